//! The word lists synthetic datasets are drawn from: topics with their keyword and EU data
//! theme, places with coordinates, qualifiers, keywords, formats, licences, update frequencies
//! and description sentences.

/// A topic: title stem, keyword, EU data theme code.
pub(super) const TOPICS: &[(&str, &str, &str)] = &[
    ("Qualité de l'air", "environnement", "ENVI"),
    ("Stationnements vélos", "mobilite", "TRAN"),
    ("Budget primitif", "finances", "ECON"),
    ("Population légale", "demographie", "SOCI"),
    ("Équipements sportifs", "sport", "EDUC"),
    ("Arbres d'alignement", "nature", "ENVI"),
    ("Consommation électrique", "energie", "ENER"),
    (
        "Accidents corporels de la circulation",
        "securite-routiere",
        "TRAN",
    ),
    ("Bibliothèques et médiathèques", "culture", "EDUC"),
    ("Marchés publics attribués", "commande-publique", "GOVE"),
    ("Prix des carburants", "economie", "ECON"),
    ("Lignes et arrêts de bus", "transport", "TRAN"),
    ("Parcelles agricoles", "agriculture", "AGRI"),
    ("Établissements scolaires", "education", "EDUC"),
    ("Zones inondables", "risques", "ENVI"),
    ("Défibrillateurs", "sante", "HEAL"),
    ("Permis de construire", "urbanisme", "REGI"),
    ("Résultats des élections", "elections", "GOVE"),
    ("Fréquentation touristique", "tourisme", "ECON"),
    ("Qualité de l'eau potable", "eau", "ENVI"),
    ("Collecte des déchets", "dechets", "ENVI"),
    ("Subventions aux associations", "subventions", "GOVE"),
];

/// Places: name, slug, centre longitude, centre latitude.
pub(super) const PLACES: &[(&str, &str, f64, f64)] = &[
    ("Lyon", "lyon", 4.835, 45.764),
    ("Marseille", "marseille", 5.369, 43.296),
    ("Toulouse", "toulouse", 1.444, 43.604),
    ("Nantes", "nantes", -1.553, 47.218),
    ("Lille", "lille", 3.057, 50.629),
    ("Rennes", "rennes", -1.677, 48.117),
    ("Bordeaux", "bordeaux", -0.579, 44.837),
    ("Strasbourg", "strasbourg", 7.752, 48.573),
    ("Montpellier", "montpellier", 3.876, 43.610),
    ("Grenoble", "grenoble", 5.724, 45.188),
    ("Dijon", "dijon", 5.041, 47.322),
    ("Angers", "angers", -0.563, 47.478),
    ("Brest", "brest", -4.486, 48.390),
    ("Tours", "tours", 0.684, 47.394),
    ("Limoges", "limoges", 1.261, 45.833),
    ("Région Occitanie", "occitanie", 2.14, 43.89),
    ("Département du Nord", "nord", 3.22, 50.45),
    ("Métropole du Grand Paris", "grand-paris", 2.352, 48.856),
];

pub(super) const QUALIFIERS: &[&str] = &[
    "par commune",
    "par quartier",
    "en temps réel",
    "historique",
    "annuel",
    "géolocalisés",
    "par station",
    "consolidé",
    "détaillé",
    "par IRIS",
];

pub(super) const EXTRA_KEYWORDS: &[&str] = &[
    "open-data",
    "donnees-ouvertes",
    "territoire",
    "statistiques",
    "geolocalisation",
    "collectivite",
    "service-public",
    "temps-reel",
    "inventaire",
    "referentiel",
    "cartographie",
    "indicateurs",
];

/// Distribution formats: label, media type, file extension.
pub(super) const FORMATS: &[(&str, &str, &str)] = &[
    ("CSV", "text/csv", "csv"),
    ("JSON", "application/json", "json"),
    ("GeoJSON", "application/geo+json", "geojson"),
    (
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    ("SHP", "application/zip", "zip"),
    ("PDF", "application/pdf", "pdf"),
    ("XML", "application/xml", "xml"),
    ("Parquet", "application/vnd.apache.parquet", "parquet"),
    (
        "ODS",
        "application/vnd.oasis.opendocument.spreadsheet",
        "ods",
    ),
];

/// Licences: IRI, CKAN id, title.
pub const LICENSES: &[(&str, &str, &str)] = &[
    (
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
        "fr-lo",
        "Licence Ouverte / Open Licence",
    ),
    (
        "http://opendatacommons.org/licenses/odbl/1.0/",
        "odc-odbl",
        "Open Data Commons Open Database License (ODbL)",
    ),
    (
        "https://creativecommons.org/licenses/by/4.0/",
        "cc-by",
        "Creative Commons Attribution",
    ),
    (
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "cc-zero",
        "Creative Commons CCZero",
    ),
    (
        "https://www.etalab.gouv.fr/wp-content/uploads/2017/04/ETALAB-Licence-Ouverte-v2.0.pdf",
        "lov2",
        "Licence Ouverte / Open Licence version 2.0",
    ),
];

/// EU frequency authority codes.
pub(super) const FREQUENCIES: &[&str] = &[
    "DAILY",
    "WEEKLY",
    "MONTHLY",
    "QUARTERLY",
    "ANNUAL",
    "IRREG",
    "CONT",
];

pub(super) const SENTENCES: &[&str] = &[
    "Les données sont produites par les services de la collectivité et mises à jour selon la fréquence indiquée.",
    "Chaque enregistrement est géolocalisé et rattaché à la commune concernée.",
    "Le jeu de données respecte le schéma national publié sur schema.data.gouv.fr.",
    "Les valeurs manquantes sont laissées vides ; aucune donnée personnelle n'est publiée.",
    "Les coordonnées sont exprimées en WGS 84 (EPSG:4326).",
    "Un historique des versions précédentes est disponible sur demande.",
    "Les montants sont exprimés en euros toutes taxes comprises.",
    "La méthodologie de collecte est décrite dans la notice jointe au format PDF.",
    "Les identifiants sont stables d'une mise à jour à l'autre.",
    "Les données proviennent de capteurs automatiques et peuvent contenir des valeurs aberrantes.",
];
