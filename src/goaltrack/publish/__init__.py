"""The static site of ``goaltrack publish``: every plan's pages, reports and open data, as files.

It renders the web application's templates with no one signed in, links its pages by
relative paths (the site works from any sub-folder and from ``file://``), and never imports
:mod:`goaltrack.web`: a site is built without the web extra installed.
"""
