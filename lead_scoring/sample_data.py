"""Deterministic generator of realistic raw B2B marketing and sales data.

Writes four raw tables, one folder each, as the CRM / marketing-automation
exports and the visitor-identification tool that the dbt project loads:

* ``leads``          one row per lead (person at a company), with a few dirty values;
                     some people work at the same company (a buying committee)
* ``events``         marketing and sales touch points, with duplicates and late arrivals
* ``opportunities``  sales opportunities created from (mostly) qualified leads
* ``company_visits`` pages visited by identified companies (Leadfeeder, Albacross):
                     companies of leads, often before their first lead, and
                     companies that never become a lead

Every lead has a hidden *intent*: a logistic score of channel, campaign, company
size, industry, seniority, a share of its company's and noise. Intent drives what the lead does (pricing
pages and demo requests versus careers pages and unsubscribes), whether
marketing hands it over to sales, and how the sales process ends. So a scoring
model built on the data finds real signal, while noise keeps it imperfect.

Everything is vectorised with numpy; DuckDB builds the string columns and
writes the files. Leads are processed in chunks of a fixed size, each chunk
with its own random stream ``default_rng([seed, chunk_index])``, so the output
depends only on (n_leads, days, seed, end_date, fmt), never on memory, and peak
memory stays bounded however many leads are asked for.

Usage::

    python -m lead_scoring.sample_data --out data/raw --leads 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from lead_scoring.dbt_definitions import RAW_TABLES
from lead_scoring.settings import SampleSettings
from lead_scoring.warehouse import sql_string, sql_strings

# The first line of the module docstring: the description of both command lines.
DESCRIPTION = __doc__.split("\n\n")[0]
CHUNK_SIZE = 100_000  # fixed: changing it changes the data for a given seed
# One folder per table of the raw contract.
TABLES = RAW_TABLES
DAY = 86_400
HOUR = 3_600

# --------------------------------------------------------------------------
# Vocabulary. Downstream dbt seeds rely on these exact strings.
# --------------------------------------------------------------------------

# channel: (share of leads, intent offset, {campaign: (share within channel, intent offset)})
CHANNELS = {
    "organic_search": (0.20, 0.3, {
        "organic_search_brand": (0.4, 0.3),
        "organic_search_blog": (0.4, -0.3),
        "organic_search_docs": (0.2, 0.2),
    }),
    "paid_search": (0.15, 0.0, {
        "paid_search_brand_terms": (0.35, 0.4),
        "paid_search_competitor_terms": (0.25, 0.1),
        "paid_search_generic_terms": (0.40, -0.4),
    }),
    "paid_social": (0.15, -0.7, {
        "paid_social_linkedin_lead_gen": (0.45, 0.2),
        "paid_social_linkedin_retargeting": (0.25, 0.3),
        "paid_social_facebook_awareness": (0.30, -0.6),
    }),
    "webinar": (0.09, 0.8, {
        "webinar_product_deep_dive": (0.40, 0.3),
        "webinar_industry_roundtable": (0.35, -0.1),
        "webinar_customer_stories": (0.25, 0.0),
    }),
    "content_syndication": (0.13, -0.9, {
        "content_syndication_whitepaper_network": (0.6, -0.1),
        "content_syndication_tech_publisher": (0.4, 0.1),
    }),
    "referral": (0.06, 1.0, {
        "referral_customer": (0.6, 0.2),
        "referral_partner": (0.4, -0.2),
    }),
    "trade_show": (0.08, 0.4, {
        "trade_show_hannover_messe": (0.40, 0.1),
        "trade_show_dmexco": (0.35, -0.1),
        "trade_show_saas_summit": (0.25, 0.1),
    }),
    "direct": (0.14, 0.2, {
        "direct_website": (0.7, 0.0),
        "direct_sales_outreach": (0.3, -0.1),
    }),
}
PAID_CHANNELS = ("paid_search", "paid_social")
# flat campaign list: (name, channel index, share within channel, intent offset)
CAMPAIGNS = [(name, c, share, quality)
             for c, (_, _, campaigns) in enumerate(CHANNELS.values())
             for name, (share, quality) in campaigns.items()]

# industry: (share, intent offset, name descriptors of companies in it)
INDUSTRIES = {
    "software": (0.18, 0.6, ["Software", "Systems", "Labs", "Digital", "Cloud"]),
    "financial_services": (0.10, 0.4, ["Bank", "Capital", "Finance", "Insurance", "Invest"]),
    "manufacturing": (0.16, 0.4, ["Maschinenbau", "Industries", "Werke", "Components", "Automation"]),
    "healthcare": (0.08, 0.1, ["Health", "Medical", "Pharma", "Clinics", "Care"]),
    "retail": (0.10, 0.0, ["Retail", "Store", "Handel", "Fashion", "Market"]),
    "professional_services": (0.12, 0.1, ["Consulting", "Partners", "Advisory", "Legal", "Group"]),
    "education": (0.07, -0.7, ["Academy", "University", "Education", "School", "Learning"]),
    "public_sector": (0.06, -0.6, ["Stadtwerke", "Agency", "Authority", "Services", "Office"]),
    "logistics": (0.08, 0.1, ["Logistik", "Logistics", "Transport", "Freight", "Shipping"]),
    "energy": (0.05, 0.1, ["Energie", "Energy", "Power", "Solar", "Utilities"]),
}

# country: (share, top-level domain, legal forms) -- a DACH vendor, so DACH-heavy
COUNTRIES = {
    "DE": (0.32, "de", ["GmbH", "AG", "SE"]),
    "AT": (0.08, "at", ["GmbH", "AG"]),
    "CH": (0.08, "ch", ["AG", "GmbH"]),
    "US": (0.12, "com", ["Inc.", "LLC", "Corp."]),
    "GB": (0.08, "co.uk", ["Ltd", "plc"]),
    "FR": (0.06, "fr", ["SAS", "SA"]),
    "NL": (0.06, "nl", ["B.V.", "N.V."]),
    "PL": (0.05, "pl", ["sp. z o.o.", "S.A."]),
    "IT": (0.05, "it", ["S.p.A.", "S.r.l."]),
    "ES": (0.05, "es", ["S.L.", "S.A."]),
    "SE": (0.05, "se", ["AB"]),
}

# Company brands are two syllables, e.g. "Nord" + "wind" -> "Nordwind".
BRAND_HEADS = [
    "Nord", "West", "Ost", "Alpen", "Berg", "Blau", "Stein", "Wald", "Licht", "Stern",
    "Hansa", "Rhein", "Donau", "Falk", "Adler", "Eich", "Lind", "Kraft", "Klar", "Helio",
    "Nova", "Vita", "Terra", "Aqua", "Astra", "Lumen", "Vero", "Opti", "Quant", "Data",
    "Smart", "Inno", "Syn", "Axi", "Bright", "Blue", "Silver", "Green", "Iron", "Swift",
    "Peak", "Core", "Prime", "North", "Delta", "Sigma", "Atlas", "Orbit", "Pixel", "Vector",
    "Fusion", "Zen", "Omni", "Polar", "Alto", "Brio", "Cora", "Evo", "Fidel", "Mira",
]
BRAND_TAILS = [
    "wind", "feld", "tal", "berg", "haus", "werk", "stein", "hof", "bach", "burg",
    "mark", "link", "logic", "soft", "ware", "net", "works", "point", "gate", "wave",
    "line", "scale", "stack", "bridge", "field", "path", "flow", "tec", "ion", "ix",
    "io", "ex", "on", "ia", "ra", "us", "ent", "ova", "ara", "ico",
]

# (display name, ascii slug for the e-mail address)
FIRST_NAMES = [
    ("Anna", "anna"), ("Jürgen", "juergen"), ("Thomas", "thomas"), ("Julia", "julia"),
    ("Michael", "michael"), ("Stefanie", "stefanie"), ("Andreas", "andreas"), ("Sabine", "sabine"),
    ("Lukas", "lukas"), ("Lena", "lena"), ("Felix", "felix"), ("Katharina", "katharina"),
    ("Markus", "markus"), ("Sophie", "sophie"), ("Jonas", "jonas"), ("Laura", "laura"),
    ("Tobias", "tobias"), ("Marie", "marie"), ("Florian", "florian"), ("Hannah", "hannah"),
    ("Matthias", "matthias"), ("Sarah", "sarah"), ("Daniel", "daniel"), ("Lisa", "lisa"),
    ("Sebastian", "sebastian"), ("Claudia", "claudia"), ("Martin", "martin"), ("Eva", "eva"),
    ("Christoph", "christoph"), ("Nina", "nina"), ("Sören", "soeren"), ("Jörg", "joerg"),
    ("James", "james"), ("Emily", "emily"), ("John", "john"), ("Olivia", "olivia"),
    ("David", "david"), ("Emma", "emma"), ("Pierre", "pierre"), ("Camille", "camille"),
    ("Lucas", "lucas"), ("Chloé", "chloe"), ("Jan", "jan"), ("Sanne", "sanne"),
    ("Piotr", "piotr"), ("Agnieszka", "agnieszka"), ("Marco", "marco"), ("Giulia", "giulia"),
    ("Javier", "javier"), ("Lucía", "lucia"), ("Erik", "erik"), ("Elin", "elin"),
]
LAST_NAMES = [
    ("Müller", "mueller"), ("Schmidt", "schmidt"), ("Schneider", "schneider"), ("Fischer", "fischer"),
    ("Weber", "weber"), ("Meyer", "meyer"), ("Wagner", "wagner"), ("Becker", "becker"),
    ("Schulz", "schulz"), ("Hoffmann", "hoffmann"), ("Schäfer", "schaefer"), ("Koch", "koch"),
    ("Bauer", "bauer"), ("Richter", "richter"), ("Klein", "klein"), ("Wolf", "wolf"),
    ("Schröder", "schroeder"), ("Neumann", "neumann"), ("Schwarz", "schwarz"), ("Zimmermann", "zimmermann"),
    ("Braun", "braun"), ("Krüger", "krueger"), ("Hofmann", "hofmann"), ("Hartmann", "hartmann"),
    ("Lange", "lange"), ("Huber", "huber"), ("Gruber", "gruber"), ("Steiner", "steiner"),
    ("Moser", "moser"), ("Keller", "keller"), ("Brunner", "brunner"), ("Frei", "frei"),
    ("Smith", "smith"), ("Johnson", "johnson"), ("Brown", "brown"), ("Taylor", "taylor"),
    ("Wilson", "wilson"), ("Martin", "martin"), ("Bernard", "bernard"), ("Dubois", "dubois"),
    ("de Vries", "devries"), ("Jansen", "jansen"), ("Nowak", "nowak"), ("Kowalski", "kowalski"),
    ("Rossi", "rossi"), ("Russo", "russo"), ("García", "garcia"), ("Fernández", "fernandez"),
    ("Andersson", "andersson"), ("Johansson", "johansson"), ("O'Brien", "obrien"), ("Lefèvre", "lefevre"),
]

# job title: (share, seniority level); level 5 = C-level ... 0 = individual contributor, -1 = student
JOB_TITLES = {
    "CEO": (0.030, 5), "CFO": (0.012, 5), "CTO": (0.020, 5), "COO": (0.010, 5),
    "Chief Marketing Officer": (0.010, 5), "Managing Director": (0.020, 5),
    "VP Sales": (0.015, 4), "VP Engineering": (0.015, 4), "VP Marketing": (0.015, 4),
    "Head of Marketing": (0.030, 3), "Head of IT": (0.030, 3), "Head of Sales": (0.025, 3),
    "Head of Operations": (0.020, 3),
    "Director of Operations": (0.020, 2), "IT Director": (0.020, 2), "Marketing Director": (0.020, 2),
    "Marketing Manager": (0.080, 1), "IT Manager": (0.070, 1), "Project Manager": (0.070, 1),
    "Sales Manager": (0.050, 1), "Product Manager": (0.040, 1),
    "Software Engineer": (0.080, 0), "Marketing Specialist": (0.060, 0), "Analyst": (0.050, 0),
    "Data Analyst": (0.040, 0), "Consultant": (0.050, 0), "Accountant": (0.030, 0),
    "Working Student": (0.040, -1), "Intern": (0.030, -1), "Student": (0.020, -1),
}
SENIORITY_INTENT = {5: 0.9, 4: 0.8, 3: 0.7, 2: 0.5, 1: 0.1, 0: -0.3, -1: -1.8}
# how likely a lead of that seniority can sign off a purchase
SENIORITY_DECISION_MAKER = {5: 0.9, 4: 0.8, 3: 0.7, 2: 0.6, 1: 0.3, 0: 0.1, -1: 0.02}

# event type -> source system; the order fixes the integer codes used below
EVENT_TYPES = {
    "page_view": "web", "content_download": "web",
    "email_open": "email", "email_click": "email", "email_unsubscribe": "email",
    "webinar_registration": "webinar", "webinar_attended": "webinar",
    "form_submit": "form", "ad_click": "ads",
    "sales_call_attempt": "crm", "sales_email_attempt": "crm", "sales_meeting": "crm",
    "sales_accepted": "crm", "sales_rejected": "crm", "qualification_update": "crm",
    "disqualified": "crm",
}
EV = {name: code for code, name in enumerate(EVENT_TYPES)}

# Marketing behaviour has two profiles: "hot" (buying) and "cold" (browsing).
# Each marketing event of a lead is hot with a probability that grows with intent.
# type: (share among hot events, share among cold events)
MARKETING_MIX = {
    "page_view": (0.45, 0.45), "content_download": (0.10, 0.03),
    "email_open": (0.14, 0.30), "email_click": (0.08, 0.04), "email_unsubscribe": (0.002, 0.02),
    "webinar_registration": (0.05, 0.02), "webinar_attended": (0.04, 0.008),
    "form_submit": (0.06, 0.02), "ad_click": (0.05, 0.08),
}
# A share of leads join the company of an earlier lead of their chunk: several people of one buying
# committee, so accounts have more than one lead (docs/accounts.md).
COLLEAGUE_SHARE = 0.3
# Part of a lead's intent is its company's (hashed from the company, so colleagues share it: they
# are in market together); the per-lead noise gives up that variance, so intent is spread as before.
COMPANY_INTENT_SD = 0.5
LEAD_INTENT_SD = float(np.sqrt(0.8**2 - COMPANY_INTENT_SD**2))
# Identified company visits: the chance a lead's company shows up in the visitor-identification
# tool (more likely in market), companies that never become a lead (per company with leads), and
# the tools' shares.
VISITING_SHARE = (0.15, 0.35)  # base + extra at full intent
ANONYMOUS_COMPANY_SHARE = 0.2
VISIT_TOOLS = {"leadfeeder": 0.6, "albacross": 0.4}
VISIT_LEAD_WINDOW = (30, 45)  # days before and after the company's first lead
SITE = "https://www.example-vendor.com"  # the vendor's site, for full page URLs

# page: (share hot, share cold)
PAGES = {
    "/": (0.08, 0.15), "/pricing": (0.18, 0.02),
    "/product/analytics": (0.06, 0.03), "/product/integrations": (0.05, 0.02),
    "/product/automation": (0.05, 0.02), "/product/security": (0.04, 0.01),
    "/blog/lead-scoring-101": (0.03, 0.07), "/blog/marketing-attribution": (0.03, 0.07),
    "/blog/remote-work-tips": (0.01, 0.08), "/blog/company-culture": (0.01, 0.07),
    "/blog/release-notes": (0.03, 0.03),
    "/careers": (0.005, 0.10), "/careers/software-engineer": (0.002, 0.05),
    "/careers/working-student-marketing": (0.001, 0.05), "/careers/account-executive": (0.002, 0.03),
    "/contact": (0.05, 0.01), "/docs/getting-started": (0.05, 0.01), "/docs/api": (0.04, 0.01),
    "/case-studies/manufacturing": (0.04, 0.01), "/case-studies/financial-services": (0.04, 0.01),
    "/case-studies/retail": (0.03, 0.01),
}
# content id: (content type, share hot, share cold)
CONTENT = {
    "wp-lead-scoring-guide": ("whitepaper", 0.15, 0.10),
    "wp-revenue-operations": ("whitepaper", 0.15, 0.10),
    "eb-b2b-marketing-playbook": ("ebook", 0.10, 0.30),
    "eb-remote-selling": ("ebook", 0.10, 0.30),
    "ps-pricing-overview": ("pricing_sheet", 0.30, 0.02),
    "cs-manufacturing-rollout": ("case_study", 0.10, 0.09),
    "cs-bank-automation": ("case_study", 0.10, 0.09),
}
# form: (share hot, share cold)
# Demo and contact requests are rare even among buyers: most forms gate content.
FORMS = {"contact": (0.08, 0.01), "demo_request": (0.10, 0.003),
         "newsletter_signup": (0.20, 0.40), "content_gate": (0.62, 0.587)}
NEWSLETTERS = ["product", "general"]
AD_PLATFORMS = {"linkedin": ("li", 0.55), "google": ("gg", 0.45)}
CALL_OUTCOMES = ["no_answer", "voicemail", "connected"]
REJECT_REASONS = {"no_budget": 0.25, "bad_timing": 0.25, "not_decision_maker": 0.20,
                  "no_response": 0.20, "using_competitor": 0.10}
# how likely a rejected lead comes back later, by rejection reason
RECYCLE_P = {"no_budget": 0.25, "bad_timing": 0.55, "not_decision_maker": 0.15,
             "no_response": 0.40, "using_competitor": 0.10}
DISQUALIFY_REASONS = ["student", "competitor", "invalid_contact", "spam", "no_fit"]
N_OWNERS = 12

LEAD_COLUMNS = ["lead_id", "email", "first_name", "last_name", "company_name", "company_domain",
                "company_size", "industry", "job_title", "country", "lead_source", "campaign",
                "created_at", "updated_at"]
EVENT_COLUMNS = ["event_id", "lead_id", "event_type", "occurred_at", "source_system",
                 "properties", "received_at"]
OPPORTUNITY_COLUMNS = ["opportunity_id", "lead_id", "account", "created_at", "stage", "amount",
                       "currency", "closed_at", "is_won"]
OPEN_STAGES = ["discovery", "proposal", "negotiation"]

# Tuning knobs of the behaviour model (calibrated to the rates in the module docstring).
MEDIAN_MARKETING_EVENTS = 10.0   # before truncation at end_date; the tail brings the mean to ~20
LATE_SHARE = 0.005              # events received 2-10 days after they happened
DUPLICATE_SHARE = 0.002         # event rows exported twice
EMAIL_QUIRK_SHARE = 0.01
DOMAIN_QUIRK_SHARE = 0.005


# --------------------------------------------------------------------------
# Small numpy helpers
# --------------------------------------------------------------------------

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _shares(values) -> np.ndarray:
    """Normalise a list of weights to probabilities."""
    p = np.asarray(values, dtype=float)
    return p / p.sum()


def _pick(rng, weights, size) -> np.ndarray:
    """Draw `size` codes from a categorical distribution given by weights."""
    return rng.choice(len(weights), size=size, p=_shares(weights)).astype(np.int32)


def _pick_two_profiles(rng, hot, hot_weights, cold_weights) -> np.ndarray:
    """Draw one code per row from the hot or the cold distribution, per row."""
    out = _pick(rng, cold_weights, len(hot))
    out[hot] = _pick(rng, hot_weights, int(hot.sum()))
    return out


def _exp_seconds(rng, mean_seconds, size) -> np.ndarray:
    return rng.exponential(mean_seconds, size).astype(np.int64)


def _ragged(counts):
    """Index of the owning group and position inside it, for each item of a ragged array."""
    counts = np.asarray(counts, dtype=np.int64)
    group = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    position = np.arange(counts.sum()) - np.repeat(starts, counts)
    return group, position


def _segment_cumsum(values, counts):
    """Cumulative sum restarting at each group of a ragged array."""
    total = np.cumsum(values)
    before = np.concatenate([[0], total])[np.cumsum(counts) - counts]
    return total - np.repeat(before, counts)


def _hash_uniform(keys, salt) -> np.ndarray:
    """Stateless uniform(0, 1) per integer key (splitmix64), for attributes that must
    be the same wherever a key shows up, e.g. the size of a company across chunks."""
    with np.errstate(over="ignore"):
        z = keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(salt)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)


def _dictionary(codes, vocabulary) -> pa.DictionaryArray:
    """Arrow dictionary column: integer codes plus the strings, without copying strings per row."""
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)),
                                          pa.array(list(vocabulary), pa.string()))


# --------------------------------------------------------------------------
# Leads
# --------------------------------------------------------------------------

def _creation_cdf(start_ts: int, days: int):
    """Hourly cumulative distribution of lead creation times: mild growth over the
    history, fewer leads at weekends and at night (UTC, DACH business hours)."""
    hours = np.arange(days * 24)
    ts = start_ts + hours * HOUR
    growth = np.exp(np.log(1.6) * hours / len(hours))  # the last day has ~60 % more leads than the first
    weekday = (ts // DAY + 3) % 7                       # 1970-01-01 was a Thursday; 0 = Monday
    weekend = np.where(weekday >= 5, 0.35, 1.0)
    hour_of_day = (ts // HOUR) % 24
    office = np.where((hour_of_day >= 6) & (hour_of_day <= 16), 1.0, 0.15)
    weights = growth * weekend * office
    return np.cumsum(weights) / weights.sum()


def _creation_times(rng, cdf, start_ts, first_index, n_chunk, n_total) -> np.ndarray:
    """Stratified draw: lead i gets quantile (i + u) / n, so created_at grows with the
    lead id (ids are handed out in creation order) and each chunk is independent."""
    q = (first_index + np.arange(n_chunk) + rng.random(n_chunk)) / n_total
    hour = np.minimum(np.searchsorted(cdf, q, side="right"), len(cdf) - 1)
    low = np.where(hour > 0, cdf[hour - 1], 0.0)
    within = np.clip((q - low) / (cdf[hour] - low), 0.0, 0.9999)
    return start_ts + hour * HOUR + (within * HOUR).astype(np.int64)


def _companies(rng, n, seed):
    """Pick a company for each lead. A company is a key (brand, industry descriptor,
    country); its size is hashed from the key, so the same company always has the same
    size, industry and country, in whichever chunk it appears."""
    per_industry = len(next(iter(INDUSTRIES.values()))[2])  # descriptors per industry
    industry = _pick(rng, [v[0] for v in INDUSTRIES.values()], n)
    descriptor = industry * per_industry + rng.integers(0, per_industry, n)
    country = _pick(rng, [v[0] for v in COUNTRIES.values()], n)
    brand = rng.integers(0, len(BRAND_HEADS) * len(BRAND_TAILS), n)
    key = (brand * len(INDUSTRIES) * per_industry + descriptor) * len(COUNTRIES) + country
    # lognormal employees, median ~80, clipped to 1..100k
    u1, u2 = _hash_uniform(key, seed * 2 + 1), _hash_uniform(key, seed * 2 + 2)
    normal = np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2)
    size = np.clip(np.exp(np.log(80) + 1.7 * normal), 1, 100_000).astype(np.int32)
    legal_options = [len(v[2]) for v in COUNTRIES.values()]
    legal = (_hash_uniform(key, seed * 2 + 3) * np.asarray(legal_options)[country]).astype(np.int32)
    return dict(industry=industry, descriptor=descriptor, country=country, brand=brand,
                company_size=size, legal=legal, company_key=key)


def _colleagues(rng, companies: dict) -> dict:
    """Let a share of leads join the company of an earlier lead of the chunk; a chain of joins
    ends at the first lead's company. Draws the same numbers whatever the companies are."""
    n = len(companies["company_key"])
    anchor = np.arange(n)
    joins = (rng.random(n) < COLLEAGUE_SHARE) & (anchor > 0)
    anchor[joins] = (rng.random(n)[joins] * anchor[joins]).astype(np.int64)
    while not np.array_equal(anchor[anchor], anchor):
        anchor = anchor[anchor]
    return {name: values[anchor] for name, values in companies.items()}


def _company_intent(key, seed) -> np.ndarray:
    """A standard normal per company (Box-Muller on two hashed uniforms): the same for colleagues."""
    u1, u2 = _hash_uniform(key, seed * 2 + 4), _hash_uniform(key, seed * 2 + 5)
    return np.sqrt(-2 * np.log(u1)) * np.cos(2 * np.pi * u2)


def _job_titles(rng, size):
    """Titles, with more founders / managing directors at very small companies."""
    title = _pick(rng, [v[0] for v in JOB_TITLES.values()], len(size))
    names = list(JOB_TITLES)
    tiny = (size < 20) & (rng.random(len(size)) < 0.3)
    title[tiny] = np.where(rng.random(int(tiny.sum())) < 0.6, names.index("CEO"),
                           names.index("Managing Director"))
    return title


def _leads(rng, chunk_index, n_chunk, n_total, cdf, start_ts, end_ts, seed):
    """Attributes, latent intent and timestamps of one chunk of leads (numpy arrays)."""
    first_index = chunk_index * CHUNK_SIZE
    # Colleagues draw from their own stream, so the other attributes draw the same numbers.
    leads = _colleagues(np.random.default_rng([seed, chunk_index, 1]), _companies(rng, n_chunk, seed))
    leads["lead_num"] = first_index + np.arange(n_chunk, dtype=np.int64) + 1
    leads["first_name"] = rng.integers(0, len(FIRST_NAMES), n_chunk)
    leads["last_name"] = rng.integers(0, len(LAST_NAMES), n_chunk)
    leads["job_title"] = _job_titles(rng, leads["company_size"])

    channel = _pick(rng, [v[0] for v in CHANNELS.values()], n_chunk)
    _, campaign_channel, campaign_share, campaign_quality = map(np.asarray, zip(*CAMPAIGNS))
    campaign = np.empty(n_chunk, dtype=np.int32)
    for c in range(len(CHANNELS)):  # loop over channels (a handful), not over leads
        members = np.flatnonzero(campaign_channel == c)
        rows = channel == c
        campaign[rows] = members[_pick(rng, campaign_share[members], int(rows.sum()))]
    leads["channel"], leads["campaign"] = channel, campaign

    seniority = np.asarray([v[1] for v in JOB_TITLES.values()])[leads["job_title"]]
    log_size = np.log10(leads["company_size"])
    intent = (
        np.asarray([v[1] for v in CHANNELS.values()])[channel]
        + campaign_quality[campaign]
        + 0.7 * (np.minimum(log_size, 3.7) - 1.9)  # bigger is better, up to enterprise size
        + np.asarray([v[1] for v in INDUSTRIES.values()])[leads["industry"]]
        + np.vectorize(SENIORITY_INTENT.get, otypes=[float])(seniority)
        + COMPANY_INTENT_SD * _company_intent(leads["company_key"], seed)
        + rng.normal(0, LEAD_INTENT_SD, n_chunk)
    )
    leads["seniority"], leads["intent"] = seniority, intent

    created = _creation_times(rng, cdf, start_ts, first_index, n_chunk, n_total)
    updated = created.copy()
    touched = rng.random(n_chunk) < 0.2
    updated[touched] += (rng.random(int(touched.sum())) * (end_ts - created[touched])).astype(np.int64)
    leads["created"], leads["updated"] = created, updated

    # dirty values for the staging layer to clean: 1 = first variant, 2 = second variant
    leads["email_quirk"] = np.where(rng.random(n_chunk) < EMAIL_QUIRK_SHARE, rng.integers(1, 3, n_chunk), 0)
    leads["domain_quirk"] = np.where(rng.random(n_chunk) < DOMAIN_QUIRK_SHARE, rng.integers(1, 3, n_chunk), 0)
    return leads


# --------------------------------------------------------------------------
# Events (numpy): every event is (lead, type, time, a, b, c) with a/b/c
# type-specific integer attributes that SQL later turns into the JSON properties.
# --------------------------------------------------------------------------

def _events(lead, etype, t, a=0, b=0, c=0) -> dict:
    n = len(lead)
    as_int = lambda v: np.broadcast_to(np.asarray(v, dtype=np.int64), n)  # noqa: E731
    return {"lead": np.asarray(lead, dtype=np.int64), "etype": as_int(etype).astype(np.int8),
            "t": np.asarray(t, dtype=np.int64), "a": as_int(a), "b": as_int(b), "c": as_int(c)}


def _concat(parts) -> dict:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _marketing_events(rng, lead, t, hot, etype=None) -> dict:
    """Marketing events for the given rows; `hot` picks the buying profile per row.
    The attributes of every type are drawn for every row (cheap), then the ones
    that fit the row's type are kept."""
    n = len(lead)
    hot_mix, cold_mix = zip(*MARKETING_MIX.values())
    if etype is None:
        etype = _pick_two_profiles(rng, hot, hot_mix, cold_mix)  # codes 0..8 equal EV codes
    page = _pick_two_profiles(rng, hot, *zip(*PAGES.values()))
    content = _pick_two_profiles(rng, hot, *zip(*[(h, c) for _, h, c in CONTENT.values()]))
    form = _pick_two_profiles(rng, hot, *zip(*FORMS.values()))
    newsletter = (rng.random(n) >= np.where(hot, 0.75, 0.2)).astype(np.int64)  # 0 = product
    week, fortnight = t // (7 * DAY), t // (14 * DAY)  # newsletters weekly, webinars bi-weekly
    minutes = np.where(hot, rng.integers(20, 91, n), rng.integers(3, 31, n))
    platform = _pick(rng, [v[1] for v in AD_PLATFORMS.values()], n)
    ad = rng.integers(1, 41, n)

    a = np.select(
        [etype == EV["page_view"], etype == EV["content_download"],
         np.isin(etype, [EV["email_open"], EV["email_click"]]),
         np.isin(etype, [EV["webinar_registration"], EV["webinar_attended"]]),
         etype == EV["form_submit"], etype == EV["ad_click"]],
        [page, content, week, fortnight, form, platform], 0)
    b = np.select(
        [np.isin(etype, [EV["email_open"], EV["email_click"], EV["email_unsubscribe"]]),
         etype == EV["webinar_attended"], etype == EV["ad_click"]],
        [newsletter, minutes, ad], 0)
    c = np.where(etype == EV["email_click"], page, 0)  # the page the e-mail link points to
    return _events(lead, etype, t, a, b, c)


def _activity_stream(rng, leads) -> dict:
    """The bulk of marketing events: a heavy-tailed number per lead, in sessions
    (bursts seconds to minutes apart) separated by exponential gaps of days.
    Events after end_date are cut off later, so recent leads have fewer events."""
    n = len(leads["created"])
    intent = leads["intent"]
    count = rng.lognormal(np.log(MEDIAN_MARKETING_EVENTS) + 0.3 * intent, 1.1)
    count = np.clip(count.round(), 0, 2_000).astype(np.int64)
    session_gap = rng.lognormal(np.log(4 * DAY), 0.8, n)  # how often this lead comes back

    lead, position = _ragged(count)
    new_session = rng.random(len(lead)) < 0.35
    gap = np.where(new_session, rng.exponential(1.0, len(lead)) * session_gap[lead],
                   rng.exponential(4 * 60, len(lead))).astype(np.int64)
    gap[position == 0] = rng.integers(HOUR, 3 * DAY, int((position == 0).sum()))
    t = leads["created"][lead] + _segment_cumsum(gap, count)
    hot = rng.random(len(lead)) < _sigmoid(1.2 * intent[lead] - 0.5)
    stream = _marketing_events(rng, lead, t, hot)

    # the form that created the lead (plus the ad click before it, for paid channels)
    everyone = np.arange(n)
    first_hot = rng.random(n) < _sigmoid(1.2 * intent - 0.5)
    first = _marketing_events(rng, everyone, leads["created"] + rng.integers(0, 60, n), first_hot,
                              etype=np.full(n, EV["form_submit"]))
    paid = np.isin(leads["channel"], [list(CHANNELS).index(c) for c in PAID_CHANNELS])
    ads = _marketing_events(rng, everyone[paid], leads["created"][paid], first_hot[paid],
                            etype=np.full(int(paid.sum()), EV["ad_click"]))
    webinar_lead = everyone[leads["channel"] == list(CHANNELS).index("webinar")]
    attend_at = leads["created"][webinar_lead] + rng.integers(DAY, 10 * DAY, len(webinar_lead))
    attended = rng.random(len(webinar_lead)) < 0.6
    webinar = _marketing_events(rng, webinar_lead[attended], attend_at[attended],
                                first_hot[webinar_lead[attended]],
                                etype=np.full(int(attended.sum()), EV["webinar_attended"]))
    return _concat([first, ads, webinar, stream])


def _burst(rng, lead, t_from, t_until, window, n_min, n_max) -> dict:
    """A few buying-signal events in the `window` seconds before `t_until`
    (the research a lead does before it is handed to sales), never before `t_from`."""
    count = rng.integers(n_min, n_max + 1, len(lead))
    group, _ = _ragged(count)
    t = t_until[group] - (rng.random(len(group)) * window).astype(np.int64)
    t = np.maximum(t, t_from[group] + 60)
    hot = rng.random(len(group)) < 0.85
    return _marketing_events(rng, lead[group], t, hot)


def _sales_round(rng, lead, t_start, p_accept) -> dict:
    """One hand-over to sales: attempts by an owner, maybe a meeting, then a decision."""
    n = len(lead)
    owner = rng.integers(1, N_OWNERS + 1, n)
    attempts = 1 + np.minimum(rng.poisson(1.0, n), 5)
    group, position = _ragged(attempts)
    gap = np.where(position == 0, _exp_seconds(rng, 8 * HOUR, len(group)) + 15 * 60,
                   _exp_seconds(rng, 1.5 * DAY, len(group)) + HOUR)
    t_attempt = t_start[group] + _segment_cumsum(gap, attempts)
    is_call = rng.random(len(group)) < 0.6
    last = position == attempts[group] - 1
    outcome = np.where(last & (rng.random(len(group)) < 0.6), 2, rng.integers(0, 2, len(group)))
    calls = _events(lead[group][is_call], EV["sales_call_attempt"], t_attempt[is_call],
                    owner[group][is_call], outcome[is_call])
    mails = _events(lead[group][~is_call], EV["sales_email_attempt"], t_attempt[~is_call],
                    owner[group][~is_call])

    t_last = t_attempt[last]
    accepted = rng.random(n) < p_accept
    met = accepted & (rng.random(n) < 0.7)
    t_meeting = t_last + _exp_seconds(rng, 2 * DAY, n) + HOUR
    meetings = _events(lead[met], EV["sales_meeting"], t_meeting[met], owner[met])
    t_decision = np.where(met, t_meeting, t_last) + _exp_seconds(rng, DAY, n) + HOUR
    reason = _pick(rng, list(REJECT_REASONS.values()), n)
    decisions = _events(lead, np.where(accepted, EV["sales_accepted"], EV["sales_rejected"]),
                        t_decision, owner, np.where(accepted, 0, reason))
    return dict(lead=lead, owner=owner, accepted=accepted, reason=reason, t_decision=t_decision,
                events=_concat([calls, mails, meetings, decisions]))


def _funnel(rng, leads, end_ts):
    """Hand-over, sales rounds (with recycling), qualification, disqualification and
    opportunities. Returns (list of event dicts, opportunity dict)."""
    n = len(leads["created"])
    intent, created = leads["intent"], leads["created"]
    parts = []

    # hand-over to sales (MQL) for the higher-intent leads, typically 5-40 days after creation
    mql = rng.random(n) < _sigmoid(2.0 * (intent - 2.0))
    t_mql = created + (np.clip(rng.lognormal(np.log(14), 0.6, n), 2, 90) * DAY).astype(np.int64)
    mql &= t_mql <= end_ts
    first = np.flatnonzero(mql)
    parts.append(_burst(rng, first, created[first], t_mql[first], 3 * DAY, 2, 6))
    r1 = _sales_round(rng, first, t_mql[first], _sigmoid(-0.9 + 0.6 * intent[first]))
    parts.append(r1["events"])
    decided = r1["t_decision"] <= end_ts

    # some rejected leads come back weeks later and are accepted the second time round
    rejected = decided & ~r1["accepted"]
    recycle = rejected & (rng.random(len(first)) < np.asarray(list(RECYCLE_P.values()))[r1["reason"]])
    again = r1["lead"][recycle]
    t_again = r1["t_decision"][recycle] + rng.integers(30 * DAY, 120 * DAY, len(again))
    parts.append(_burst(rng, again, created[again], t_again, 21 * DAY, 3, 8))
    r2 = _sales_round(rng, again, t_again, np.full(len(again), 0.85))
    parts.append(r2["events"])

    ok1, ok2 = decided & r1["accepted"], (r2["t_decision"] <= end_ts) & r2["accepted"]
    accepted_lead = np.concatenate([r1["lead"][ok1], r2["lead"][ok2]])
    t_accepted = np.concatenate([r1["t_decision"][ok1], r2["t_decision"][ok2]])
    owner = np.concatenate([r1["owner"][ok1], r2["owner"][ok2]])

    # qualification: budget and decision power, likelier for senior people at bigger companies
    q = _qualification(rng, leads, accepted_lead, t_accepted, owner)
    parts.append(q["events"])
    qualified = q["budget"] & q["decision_maker"] & (q["t_last"] <= end_ts)

    # disqualification: some accepted but unqualified leads, plus students and junk up front
    parts.append(_disqualifications(rng, leads, accepted_lead, q, qualified, mql, end_ts))

    opportunities = _opportunities(rng, leads, accepted_lead[qualified], q["t_last"][qualified],
                                   np.setdiff1d(np.arange(n), accepted_lead), end_ts)
    return parts, opportunities


def _qualification(rng, leads, lead, t_accepted, owner) -> dict:
    """One or two qualification_update events per accepted lead; the last one holds
    the final answers, an earlier one may still say false where it later says true."""
    k = len(lead)
    size_effect = np.minimum(np.log10(leads["company_size"][lead]), 3.7) - 1.9
    budget = rng.random(k) < _sigmoid(-0.2 + 0.8 * size_effect + 0.3 * leads["intent"][lead])
    p_dm = np.vectorize(SENIORITY_DECISION_MAKER.get, otypes=[float])(leads["seniority"][lead])
    decision_maker = rng.random(k) < p_dm
    t_first = t_accepted + _exp_seconds(rng, 3 * DAY, k) + HOUR
    t_second = t_first + _exp_seconds(rng, 7 * DAY, k) + HOUR
    two = rng.random(k) < 0.45
    early = _events(lead[two], EV["qualification_update"], t_first[two], owner[two],
                    budget[two] & (rng.random(int(two.sum())) < 0.6),
                    decision_maker[two] & (rng.random(int(two.sum())) < 0.8))
    t_last = np.where(two, t_second, t_first)
    final = _events(lead, EV["qualification_update"], t_last, owner, budget, decision_maker)
    return dict(budget=budget, decision_maker=decision_maker, t_last=t_last, owner=owner,
                events=_concat([early, final]))


def _disqualifications(rng, leads, accepted_lead, q, qualified, mql, end_ts) -> dict:
    reason_code = {r: i for i, r in enumerate(DISQUALIFY_REASONS)}
    # accepted but not qualified: no fit after all, sometimes a bad contact
    dq = ~qualified & (q["t_last"] <= end_ts) & (rng.random(len(accepted_lead)) < 0.3)
    n_dq = int(dq.sum())
    after_sales = _events(
        accepted_lead[dq], EV["disqualified"],
        q["t_last"][dq] + _exp_seconds(rng, 10 * DAY, n_dq) + HOUR, q["owner"][dq],
        np.where(rng.random(n_dq) < 0.8, reason_code["no_fit"], reason_code["invalid_contact"]))

    # never handed over: students, and a little spam / competitors / fake contacts
    n = len(mql)
    student = (leads["seniority"] == -1) & (rng.random(n) < 0.3)
    junk = (leads["intent"] < 0) & (rng.random(n) < 0.01)
    direct = ~mql & (student | junk)
    junk_reason = np.asarray([reason_code[r] for r in ("spam", "competitor", "invalid_contact")])
    reason = np.where(student, reason_code["student"], junk_reason[rng.integers(0, 3, n)])
    t = leads["created"] + _exp_seconds(rng, 5 * DAY, n) + HOUR
    upfront = _events(np.flatnonzero(direct), EV["disqualified"], t[direct],
                      rng.integers(1, N_OWNERS + 1, n)[direct], reason[direct])
    return _concat([after_sales, upfront])


def _opportunities(rng, leads, qualified_lead, t_qualified, other_lead, end_ts) -> dict:
    """Opportunities from most qualified leads, plus a few from leads sales never
    accepted (stages skipped in the CRM). Open ones get a stage by their age."""
    converts = rng.random(len(qualified_lead)) < 0.8
    skip = rng.random(len(other_lead)) < 0.012 * _sigmoid(2.0 * (leads["intent"][other_lead] - 2.0))
    lead = np.concatenate([qualified_lead[converts], other_lead[skip]])
    t_created = np.concatenate([
        t_qualified[converts] + (np.clip(rng.lognormal(np.log(10), 0.7, int(converts.sum())), 2, 60) * DAY),
        leads["created"][other_lead[skip]] + rng.integers(10 * DAY, 60 * DAY, int(skip.sum())),
    ]).astype(np.int64)
    keep = t_created <= end_ts
    lead, t_created = lead[keep], t_created[keep]
    order = np.argsort(t_created, kind="stable")
    lead, t_created = lead[order], t_created[order]
    k = len(lead)

    t_close = t_created + (np.clip(rng.lognormal(np.log(45), 0.6, k), 7, 365) * DAY).astype(np.int64)
    closed = t_close <= end_ts
    won = closed & (rng.random(k) < _sigmoid(-2.2 + 0.5 * leads["intent"][lead]))
    age_share = (end_ts - t_created) / (t_close - t_created)
    open_stage = np.digitize(age_share, [0.35, 0.7])  # discovery, proposal, negotiation
    stage = np.where(closed, np.where(won, 3, 4), open_stage)  # index into stage names

    size = leads["company_size"][lead]
    amount = 20_000 * (size / 80.0) ** 0.25 * rng.lognormal(0, 0.5, k)
    amount = np.maximum(np.round(amount / 50) * 50, 500.0)
    us = np.asarray(list(COUNTRIES))[leads["country"][lead]] == "US"
    usd = np.where(us, rng.random(k) < 0.9, rng.random(k) < 0.03)
    return dict(lead=lead, t_created=t_created, stage=stage, amount=amount, usd=usd,
                closed=closed, t_close=t_close)


def _finish_events(rng, ev, end_ts) -> dict:
    """Cut events after end_date, sort by time, add export timestamps, late arrivals
    and duplicated rows."""
    keep = ev["t"] <= end_ts
    ev = {k: v[keep] for k, v in ev.items()}
    order = np.lexsort((ev["etype"], ev["lead"], ev["t"]))
    ev = {k: v[order] for k, v in ev.items()}
    n = len(ev["t"])
    ev["row"] = np.arange(n, dtype=np.int64)  # becomes the event id, after the chunk offset

    received = ev["t"] + np.minimum(rng.lognormal(np.log(30), 1.2, n), 1_800).astype(np.int64)
    delay = rng.integers(2 * DAY + 1, 10 * DAY, n)
    late = (rng.random(n) < LATE_SHARE) & (ev["t"] + delay <= end_ts)
    received = np.where(late, ev["t"] + delay, received)
    ev["received"] = np.minimum(received, end_ts)

    # duplicates: the same row exported again, sometimes in a later batch
    dup = np.flatnonzero(rng.random(n) < DUPLICATE_SHARE)
    copies = {k: v[dup] for k, v in ev.items()}
    later = rng.random(len(dup)) < 0.5
    copies["received"] = np.where(later, np.minimum(copies["received"] + rng.integers(60, DAY, len(dup)),
                                                    end_ts), copies["received"])
    ev = _concat([ev, copies])
    order = np.argsort(ev["row"], kind="stable")
    return {k: v[order] for k, v in ev.items()}


# --------------------------------------------------------------------------
# Company visits (numpy): pages visited by identified companies, no lead.
# --------------------------------------------------------------------------

def _company_visits(rng, leads, start_ts, end_ts, seed) -> dict:
    """Visits of the chunk's companies: a company of leads visits with a chance that grows with its
    most interested lead's intent, around its first lead (from VISIT_LEAD_WINDOW days before to
    days after); companies that never become a lead visit at any time. Pages follow the hot or
    cold profile of the events' page views."""
    keys, first = np.unique(leads["company_key"], return_index=True)
    order = np.argsort(leads["company_key"], kind="stable")
    bounds = np.r_[np.flatnonzero(np.diff(leads["company_key"][order])) + 1, len(order)]
    starts = np.r_[0, bounds[:-1]]
    best_intent = np.maximum.reduceat(leads["intent"][order], starts)
    first_created = np.minimum.reduceat(leads["created"][order], starts)
    visiting = rng.random(len(keys)) < VISITING_SHARE[0] + VISITING_SHARE[1] * _sigmoid(best_intent)
    known = {name: values[first][visiting] for name, values in leads.items()
             if name in ("brand", "descriptor", "country", "legal")}
    before, after = VISIT_LEAD_WINDOW
    known_from = np.maximum(start_ts, first_created[visiting] - before * DAY)
    known_until = np.minimum(end_ts, first_created[visiting] + after * DAY)

    n_anonymous = int(round(ANONYMOUS_COMPANY_SHARE * len(keys)))
    anonymous = _companies(rng, n_anonymous, seed)
    intent = np.r_[best_intent[visiting], rng.normal(-0.5, 1.0, n_anonymous)]
    companies = {name: np.r_[known[name], anonymous[name]] for name in known}
    t_from = np.r_[known_from, np.full(n_anonymous, start_ts)]
    t_until = np.r_[known_until, np.full(n_anonymous, end_ts)]

    hot_share = _sigmoid(intent)
    visits = 1 + rng.poisson(2 + 4 * hot_share)
    company = np.repeat(np.arange(len(intent)), visits)
    t = t_from[company] + (rng.random(len(company)) * (t_until - t_from)[company]).astype(np.int64)
    hot = rng.random(len(company)) < hot_share[company]
    pages = list(PAGES.values())
    page = _pick_two_profiles(rng, hot, [p[0] for p in pages], [p[1] for p in pages])
    tool = _pick(rng, list(VISIT_TOOLS.values()), len(company))
    # exports spell domains and pages in several ways, for the staging layer to clean
    quirk = np.where(rng.random(len(company)) < 0.3, rng.integers(1, 3, len(company)), 0)
    keep = t <= end_ts
    return {name: values[company][keep] for name, values in companies.items()} | dict(
        t=t[keep], page=page[keep], tool=tool[keep], quirk=quirk[keep].astype(np.int8))


def _visit_table(visits, visit_offset) -> pa.Table:
    return pa.table({
        "visit_num": np.arange(len(visits["t"]), dtype=np.int64) + visit_offset + 1,
        **_company_columns(visits),
        "page": _dictionary(visits["page"], list(PAGES)),
        "tool": _dictionary(visits["tool"], list(VISIT_TOOLS)),
        "t": visits["t"],
        "quirk": visits["quirk"],
    })


def _visit_sql(fmt: str) -> str:
    return f"""
        with base as (
            select *,{_COMPANY_SQL}
            from chunk_visits
        )
        select
            'V' || lpad(visit_num::varchar, 9, '0') as visit_id,
            tool::varchar as source_tool,
            company as company_name,
            case quirk when 1 then 'www.' || domain when 2 then 'https://' || upper(domain) else domain end
                as company_domain,
            case quirk when 0 then page::varchar else {sql_string(SITE)} || page::varchar || '?utm_source=newsletter' end
                as page_url,
            {_ts('t', fmt)} as visited_at
        from base
        order by visit_num
    """


# --------------------------------------------------------------------------
# SQL: strings, JSON and files
# --------------------------------------------------------------------------

def _sql_list(values) -> str:
    return f"[{sql_strings(values)}]"


def _ts(expr: str, fmt: str) -> str:
    """Epoch seconds -> timestamptz (Parquet) or ISO-8601 text in UTC (CSV)."""
    if fmt == "csv":
        return f"strftime(make_timestamp(({expr})::bigint * 1000000), '%Y-%m-%dT%H:%M:%SZ')"
    return f"to_timestamp({expr})"


def _company_columns(companies) -> dict:
    """The columns the company name and domain are built from (_COMPANY_SQL), as dictionaries."""
    brands = [h + t for h in BRAND_HEADS for t in BRAND_TAILS]
    descriptors = [d for v in INDUSTRIES.values() for d in v[2]]
    legal_forms = [f for v in COUNTRIES.values() for f in v[2]]
    legal_offset = np.cumsum([0] + [len(v[2]) for v in COUNTRIES.values()])[:-1]
    return {
        "brand": _dictionary(companies["brand"], brands),
        "descriptor": _dictionary(companies["descriptor"], descriptors),
        "legal": _dictionary(legal_offset[companies["country"]] + companies["legal"], legal_forms),
        "tld": _dictionary(companies["country"], [v[1] for v in COUNTRIES.values()]),
    }


# A company's name and web domain from _company_columns, the same for its leads and its visits.
_COMPANY_SQL = """
    brand::varchar || ' ' || descriptor::varchar || ' ' || legal::varchar as company,
    lower(brand::varchar || descriptor::varchar) || '.' || tld::varchar as domain"""


def _lead_table(leads) -> pa.Table:
    titles = list(JOB_TITLES)
    return pa.table({
        "lead_num": leads["lead_num"],
        "first_name": _dictionary(leads["first_name"], [f for f, _ in FIRST_NAMES]),
        "first_slug": _dictionary(leads["first_name"], [s for _, s in FIRST_NAMES]),
        "last_name": _dictionary(leads["last_name"], [f for f, _ in LAST_NAMES]),
        "last_slug": _dictionary(leads["last_name"], [s for _, s in LAST_NAMES]),
        **_company_columns(leads),
        "company_size": leads["company_size"].astype(np.int32),
        "industry": _dictionary(leads["industry"], list(INDUSTRIES)),
        "job_title": _dictionary(leads["job_title"], titles),
        "country": _dictionary(leads["country"], list(COUNTRIES)),
        "lead_source": _dictionary(leads["channel"], list(CHANNELS)),
        "campaign": _dictionary(leads["campaign"], [c[0] for c in CAMPAIGNS]),
        "created": leads["created"],
        "updated": leads["updated"],
        "email_quirk": leads["email_quirk"].astype(np.int8),
        "domain_quirk": leads["domain_quirk"].astype(np.int8),
    })


def _lead_sql(fmt: str) -> str:
    return f"""
        with base as (
            select *,{_COMPANY_SQL},
                first_slug::varchar || '.' || last_slug::varchar as local_part
            from chunk_leads
        )
        select
            'L' || lpad(lead_num::varchar, 8, '0') as lead_id,
            case email_quirk
                when 1 then ' ' || upper(local_part || '@' || domain) || ' '
                when 2 then '  ' || upper(left(local_part, 1)) || substr(local_part, 2)
                            || '@' || upper(left(domain, 1)) || substr(domain, 2) || ' '
                else local_part || '@' || domain
            end as email,
            first_name::varchar as first_name,
            last_name::varchar as last_name,
            company as company_name,
            case domain_quirk
                when 1 then 'https://www.' || upper(left(domain, 1)) || substr(domain, 2) || '/'
                when 2 then 'WWW.' || domain
                else domain
            end as company_domain,
            company_size::integer as company_size,
            industry::varchar as industry,
            job_title::varchar as job_title,
            country::varchar as country,
            lead_source::varchar as lead_source,
            campaign::varchar as campaign,
            {_ts('created', fmt)} as created_at,
            {_ts('updated', fmt)} as updated_at
        from base
        order by lead_num
    """


def _event_table(ev, lead_num, event_offset) -> pa.Table:
    return pa.table({
        "event_num": ev["row"] + event_offset + 1,
        "lead_num": lead_num[ev["lead"]],
        "event_type": _dictionary(ev["etype"], list(EVENT_TYPES)),
        "source_system": _dictionary(ev["etype"], list(EVENT_TYPES.values())),
        "t": ev["t"], "received": ev["received"],
        "a": ev["a"], "b": ev["b"], "c": ev["c"],
    })


def _event_sql(fmt: str) -> str:
    pages, content = _sql_list(PAGES), _sql_list(CONTENT)
    content_types = _sql_list(v[0] for v in CONTENT.values())
    forms = _sql_list(FORMS)
    prefixes = _sql_list(v[0] for v in AD_PLATFORMS.values())
    reject, disq = _sql_list(REJECT_REASONS), _sql_list(DISQUALIFY_REASONS)
    return f"""
        with base as (
            select *,
                event_type::varchar as type,
                {_sql_list(NEWSLETTERS)}[b + 1] as newsletter,
                '{{"owner": "rep_' || lpad(a::varchar, 2, '0') || '"' as owner_json
            from chunk_events
        )
        select
            'E' || lpad(event_num::varchar, 10, '0') as event_id,
            'L' || lpad(lead_num::varchar, 8, '0') as lead_id,
            type as event_type,
            {_ts('t', fmt)} as occurred_at,
            source_system::varchar as source_system,
            case type
                when 'page_view' then '{{"page_url": "' || {pages}[a + 1] || '"}}'
                when 'content_download' then '{{"content_id": "' || {content}[a + 1]
                    || '", "content_type": "' || {content_types}[a + 1] || '"}}'
                when 'email_open' then '{{"email_id": "nl-' || newsletter || '-' || a
                    || '", "newsletter": "' || newsletter || '"}}'
                when 'email_click' then '{{"email_id": "nl-' || newsletter || '-' || a
                    || '", "newsletter": "' || newsletter || '", "link_url": "' || {pages}[c + 1]
                    || '?utm_medium=email&utm_campaign=nl-' || newsletter || '-' || a || '"}}'
                when 'email_unsubscribe' then '{{"newsletter": "' || newsletter || '"}}'
                when 'webinar_registration' then '{{"webinar_id": "wbn-' || a || '"}}'
                when 'webinar_attended' then '{{"webinar_id": "wbn-' || a
                    || '", "minutes_watched": ' || b || '}}'
                when 'form_submit' then '{{"form_id": "' || {forms}[a + 1] || '"}}'
                when 'ad_click' then '{{"ad_platform": "' || {_sql_list(AD_PLATFORMS)}[a + 1]
                    || '", "ad_id": "' || {prefixes}[a + 1] || '-' || lpad(b::varchar, 4, '0') || '"}}'
                when 'sales_call_attempt' then owner_json || ', "outcome": "'
                    || {_sql_list(CALL_OUTCOMES)}[b + 1] || '"}}'
                when 'sales_rejected' then owner_json || ', "reason": "' || {reject}[b + 1] || '"}}'
                when 'qualification_update' then owner_json
                    || ', "budget_confirmed": ' || case when b = 1 then 'true' else 'false' end
                    || ', "is_decision_maker": ' || case when c = 1 then 'true' else 'false' end || '}}'
                when 'disqualified' then owner_json || ', "reason": "' || {disq}[b + 1] || '"}}'
                else owner_json || '}}'
            end as properties,
            {_ts('received', fmt)} as received_at
        from base
        order by event_num, received
    """


def _opportunity_table(opp, lead_num, opp_offset) -> pa.Table:
    return pa.table({
        "opp_num": np.arange(len(opp["lead"]), dtype=np.int64) + opp_offset + 1,
        "lead_num": lead_num[opp["lead"]],
        "t_created": opp["t_created"],
        "stage": _dictionary(opp["stage"], OPEN_STAGES + ["closed_won", "closed_lost"]),
        "amount": opp["amount"].astype(np.float64),
        "currency": _dictionary(opp["usd"].astype(np.int32), ["EUR", "USD"]),
        "t_close": opp["t_close"],
        "closed": opp["closed"],
    })


def _opportunity_sql(fmt: str) -> str:
    return f"""
        select
            'O' || lpad(o.opp_num::varchar, 8, '0') as opportunity_id,
            l.lead_id,
            l.company_name as account,
            {_ts('o.t_created', fmt)} as created_at,
            o.stage::varchar as stage,
            o.amount::double as amount,
            o.currency::varchar as currency,
            case when o.closed then {_ts('o.t_close', fmt)} end as closed_at,
            case when o.closed then o.stage::varchar = 'closed_won' end as is_won
        from chunk_opportunities as o
        join chunk_lead_rows as l on l.lead_id = 'L' || lpad(o.lead_num::varchar, 8, '0')
        order by o.opp_num
    """


def _copy(con, sql: str, path: Path, fmt: str) -> None:
    options = "format csv, header" if fmt == "csv" else "format parquet, compression zstd"
    con.execute(f"copy ({sql}) to {sql_string(path.as_posix())} ({options})")


# --------------------------------------------------------------------------
# Public interface
# --------------------------------------------------------------------------

def _end_of_day_ts(end_date: dt.date) -> int:
    midnight = dt.datetime(end_date.year, end_date.month, end_date.day, tzinfo=dt.timezone.utc)
    return int(midnight.timestamp()) + DAY - 1


def generate(out_dir, n_leads=SampleSettings.leads, days=SampleSettings.days, seed=SampleSettings.seed, end_date=None,
             fmt="parquet") -> dict[str, int]:
    """Write leads/, events/, opportunities/ and company_visits/ under out_dir, one part file per
    chunk of CHUNK_SIZE leads; return the number of rows written per table."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be 'parquet' or 'csv', not {fmt!r}")
    if n_leads < 1 or days < 1:
        raise ValueError("n_leads and days must be positive")
    end_date = end_date or dt.datetime.now(dt.timezone.utc).date()
    end_ts = _end_of_day_ts(end_date)
    start_ts = end_ts + 1 - days * DAY
    cdf = _creation_cdf(start_ts, days)

    out = Path(out_dir)
    for table in TABLES:  # replace whatever an earlier run left
        shutil.rmtree(out / table, ignore_errors=True)
        (out / table).mkdir(parents=True)

    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    rows = dict.fromkeys(TABLES, 0)
    event_ids_used = 0  # duplicated event rows share an id, so ids run behind the row count
    n_chunks = -(-n_leads // CHUNK_SIZE)
    for chunk in range(n_chunks):
        rng = np.random.default_rng([seed, chunk])
        n_chunk = min(CHUNK_SIZE, n_leads - chunk * CHUNK_SIZE)
        leads = _leads(rng, chunk, n_chunk, n_leads, cdf, start_ts, end_ts, seed)
        funnel_events, opp = _funnel(rng, leads, end_ts)
        events = _finish_events(rng, _concat([_activity_stream(rng, leads)] + funnel_events),
                                end_ts)

        part = f"part-{chunk:05d}.{fmt}"
        con.register("chunk_leads", _lead_table(leads))
        # typed lead rows, for the account name of opportunities
        con.execute(f"create or replace temp table chunk_lead_rows as {_lead_sql('parquet')}")
        con.register("chunk_events", _event_table(events, leads["lead_num"], event_ids_used))
        con.register("chunk_opportunities",
                     _opportunity_table(opp, leads["lead_num"], rows["opportunities"]))
        _copy(con, _lead_sql(fmt), out / "leads" / part, fmt)
        _copy(con, _event_sql(fmt), out / "events" / part, fmt)
        _copy(con, _opportunity_sql(fmt), out / "opportunities" / part, fmt)
        visits = _company_visits(np.random.default_rng([seed, chunk, 2]), leads, start_ts, end_ts, seed)
        con.register("chunk_visits", _visit_table(visits, rows["company_visits"]))
        _copy(con, _visit_sql(fmt), out / "company_visits" / part, fmt)
        for name in ("chunk_leads", "chunk_events", "chunk_opportunities", "chunk_visits"):
            con.unregister(name)

        rows["leads"] += n_chunk
        rows["events"] += len(events["t"])
        rows["opportunities"] += len(opp["lead"])
        rows["company_visits"] += len(visits["t"])
        event_ids_used += int(events["row"].max()) + 1 if len(events["row"]) else 0
    con.close()
    return rows


def split_export(source: Path, cutoff: dt.datetime, out: Path, part: str = "before") -> Path:
    """The Parquet export in `source` as it looked at `cutoff` (leads created, events received and
    company visits made before it; part="before"), or what arrived from `cutoff` on (part="after": every other row, as
    one new file per table named day-<cutoff date>.parquet, the way a daily delivery lands).
    Written to `out` through a side folder so an interrupted run leaves nothing half done."""
    if part not in ("before", "after"):
        raise ValueError(f"part must be 'before' or 'after', not {part!r}")
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    cut = f"timestamptz '{cutoff.isoformat()}'"
    file_name = "part-00000.parquet" if part == "before" else f"day-{cutoff.date().isoformat()}.parquet"
    for table, before in {
        "leads": f"created_at < {cut}",
        "events": f"coalesce(received_at, occurred_at) < {cut} and lead_id in (select lead_id from read_parquet({sql_string(f'{source}/leads/*.parquet')}) where created_at < {cut})",
        "opportunities": f"created_at < {cut}",
        "company_visits": f"visited_at < {cut}",
    }.items():
        if not any((source / table).glob("*.parquet")):  # an export from before the sample had visits
            continue
        where = before if part == "before" else f"not coalesce({before}, false)"
        (tmp / table).mkdir(parents=True)
        con.execute(f"copy (select * from read_parquet({sql_string(f'{source}/{table}/*.parquet')}) where {where}) "
                    f"to {sql_string(f'{tmp}/{table}/{file_name}')} (format parquet, compression zstd)")
    con.close()
    tmp.rename(out)
    return out


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The generator's options, for `python -m lead_scoring.sample_data` and `lead-scoring generate`."""
    parser.add_argument("--out", required=True, type=Path, help="output folder (created; leads/, events/, opportunities/, company_visits/ go in it)")
    parser.add_argument("--leads", type=int, default=SampleSettings.leads, help="number of leads (default: %(default)s)")
    parser.add_argument("--days", type=int, default=SampleSettings.days, help="days of history ending on --end-date (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=SampleSettings.seed, help="random seed; the same options give the same files (default: %(default)s)")
    parser.add_argument("--end-date", type=dt.date.fromisoformat, default=None,
                        help="last day of history, YYYY-MM-DD (default: today, UTC)")
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet", help="file format (default: %(default)s)")
    return parser


def run(args: argparse.Namespace) -> int:
    """Generate the files the parsed options ask for and print the rows per table."""
    rows = generate(args.out, n_leads=args.leads, days=args.days, seed=args.seed,
                    end_date=args.end_date, fmt=args.format)
    for table, count in rows.items():
        print(f"{table}: {count}")
    return 0


def main(argv=None) -> int:
    parser = add_arguments(argparse.ArgumentParser(description=DESCRIPTION))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
