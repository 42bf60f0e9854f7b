"""Area codes of Danmarks Statistik and Jobindsats, and the ``area`` filter built on them.

Exports name an area by its name (``Kalundborg``), by its code (``326``) or by both
(``326 Kalundborg``, Statistikbanken's ``valuePresentation=CodeAndValue``). A user can name
the area either way too; :class:`AreaFilter` matches any of those spellings against any other
through the table below.

The table holds the 98 municipalities (the codes of the 2007 reform, as Statistikbanken's
``OMRÅDE`` variable uses them), Christiansø, the whole country (``000``) and the five regions.
The municipality codes agree across several independent public code lists (and Kalundborg
326, Holbæk 316, Slagelse 330 and Odsherred 306 with the project's domain notes, §5.2); the
region codes 081-085 follow Statistikbanken's order but were not checked against its
``tableinfo``. A name that is not in the table still works as a filter: it is compared with
the file's area names as written.
"""

from __future__ import annotations

import re

AREAS: dict[str, str] = {
    "000": "Hele landet",
    "081": "Region Nordjylland",
    "082": "Region Midtjylland",
    "083": "Region Syddanmark",
    "084": "Region Hovedstaden",
    "085": "Region Sjælland",
    "101": "København",
    "147": "Frederiksberg",
    "151": "Ballerup",
    "153": "Brøndby",
    "155": "Dragør",
    "157": "Gentofte",
    "159": "Gladsaxe",
    "161": "Glostrup",
    "163": "Herlev",
    "165": "Albertslund",
    "167": "Hvidovre",
    "169": "Høje-Taastrup",
    "173": "Lyngby-Taarbæk",
    "175": "Rødovre",
    "183": "Ishøj",
    "185": "Tårnby",
    "187": "Vallensbæk",
    "190": "Furesø",
    "201": "Allerød",
    "210": "Fredensborg",
    "217": "Helsingør",
    "219": "Hillerød",
    "223": "Hørsholm",
    "230": "Rudersdal",
    "240": "Egedal",
    "250": "Frederikssund",
    "253": "Greve",
    "259": "Køge",
    "260": "Halsnæs",
    "265": "Roskilde",
    "269": "Solrød",
    "270": "Gribskov",
    "306": "Odsherred",
    "316": "Holbæk",
    "320": "Faxe",
    "326": "Kalundborg",
    "329": "Ringsted",
    "330": "Slagelse",
    "336": "Stevns",
    "340": "Sorø",
    "350": "Lejre",
    "360": "Lolland",
    "370": "Næstved",
    "376": "Guldborgsund",
    "390": "Vordingborg",
    "400": "Bornholm",
    "410": "Middelfart",
    "411": "Christiansø",
    "420": "Assens",
    "430": "Faaborg-Midtfyn",
    "440": "Kerteminde",
    "450": "Nyborg",
    "461": "Odense",
    "479": "Svendborg",
    "480": "Nordfyns",
    "482": "Langeland",
    "492": "Ærø",
    "510": "Haderslev",
    "530": "Billund",
    "540": "Sønderborg",
    "550": "Tønder",
    "561": "Esbjerg",
    "563": "Fanø",
    "573": "Varde",
    "575": "Vejen",
    "580": "Aabenraa",
    "607": "Fredericia",
    "615": "Horsens",
    "621": "Kolding",
    "630": "Vejle",
    "657": "Herning",
    "661": "Holstebro",
    "665": "Lemvig",
    "671": "Struer",
    "706": "Syddjurs",
    "707": "Norddjurs",
    "710": "Favrskov",
    "727": "Odder",
    "730": "Randers",
    "740": "Silkeborg",
    "741": "Samsø",
    "746": "Skanderborg",
    "751": "Aarhus",
    "756": "Ikast-Brande",
    "760": "Ringkøbing-Skjern",
    "766": "Hedensted",
    "773": "Morsø",
    "779": "Skive",
    "787": "Thisted",
    "791": "Viborg",
    "810": "Brønderslev",
    "813": "Frederikshavn",
    "820": "Vesthimmerlands",
    "825": "Læsø",
    "840": "Rebild",
    "846": "Mariagerfjord",
    "849": "Jammerbugt",
    "851": "Aalborg",
    "860": "Hjørring",
}
"""Area code (three digits) -> name as Statistikbanken writes it."""

# Other spellings seen in exports and typed by users, after normalisation.
_ALIASES = {
    "københavns": "københavn",
    "århus": "aarhus",
    "hele danmark": "hele landet",
    "danmark": "hele landet",
}

_CODE_AND_NAME = re.compile(r"([0-9]{1,4})(?:\s+(.+))?")
_CACHE_LIMIT = 10_000


def normalise_name(name: str) -> str:
    """Compare-ready form of an area name: case, hyphens, spacing and a trailing
    ``Kommune`` do not matter (``Høje Taastrup Kommune`` == ``høje-taastrup``)."""
    text = " ".join(name.replace("-", " ").split()).casefold()
    text = text.removesuffix(" kommune").removesuffix(" municipality")
    return _ALIASES.get(text, text)


_BY_NAME = {normalise_name(name): code for code, name in AREAS.items()}


def code_for(name: str) -> str | None:
    """The code of an area name in :data:`AREAS`, or ``None``."""
    return _BY_NAME.get(normalise_name(name))


class AreaFilter:
    """Matches export cells naming one area, however either side spells it.

    ``AreaFilter("326")``, ``AreaFilter("Kalundborg")`` and ``AreaFilter("326 Kalundborg")``
    all match the cells ``326``, ``0326``, ``Kalundborg``, ``Kalundborg Kommune`` and
    ``326 Kalundborg``.
    """

    def __init__(self, wanted: str) -> None:
        text = wanted.strip()
        if not text:
            raise ValueError("empty area")
        self.wanted = text
        self.code: int | None = None
        names: set[str] = set()
        m = _CODE_AND_NAME.fullmatch(text)
        if m:
            self.code = int(m[1])
            if m[2]:
                names.add(normalise_name(m[2]))
            known = AREAS.get(f"{self.code:03d}")
            if known:
                names.add(normalise_name(known))
        else:
            names.add(normalise_name(text))
            code = code_for(text)
            if code is not None:
                self.code = int(code)
        self.names = frozenset(names)
        self._cache: dict[str, bool] = {}

    def describe(self) -> str:
        """``326 Kalundborg``-style text for messages."""
        if self.code is not None and f"{self.code:03d}" in AREAS:
            return f"{self.code:03d} {AREAS[f'{self.code:03d}']}"
        return self.wanted

    def __call__(self, cell: str) -> bool:
        hit = self._cache.get(cell)
        if hit is None:
            hit = self._match(cell.strip())
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[cell] = hit
        return hit

    def _match(self, cell: str) -> bool:
        m = _CODE_AND_NAME.fullmatch(cell)
        if m:
            if self.code is not None and int(m[1]) == self.code:
                return True
            return bool(m[2]) and normalise_name(m[2]) in self.names
        return normalise_name(cell) in self.names


__all__ = ["AREAS", "AreaFilter", "code_for", "normalise_name"]
