"""Fictional names and places for the synthetic population.

Given and family names are common ones combined at random, so no combination stands for a real
person; street names are invented word pairs; postcodes are drawn at random in the TS area format.
Picks are mildly skewed (Zipf, exponent 0.5) so that common names repeat the way they do in real
caseloads, which is what makes look-alikes hard for identity resolution.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

FEMALE_ADULT = (
    "Sarah", "Emma", "Laura", "Lisa", "Claire", "Michelle", "Nicola", "Rachel", "Katherine", "Elizabeth",
    "Rebecca", "Jennifer", "Amy", "Gemma", "Joanne", "Kelly", "Donna", "Samantha", "Victoria", "Helen",
    "Louise", "Hannah", "Jessica", "Lauren", "Charlotte", "Danielle", "Stephanie", "Natalie", "Karen",
    "Susan", "Angela", "Tracey", "Julie", "Deborah", "Dawn", "Carol", "Margaret", "Patricia", "Christine",
    "Jacqueline", "Amanda", "Leanne", "Kirsty", "Jade", "Chloe", "Megan", "Sophie", "Abigail", "Zoe",
    "Catherine", "Alison", "Jane", "Lindsey", "Stacey", "Kayleigh", "Shannon", "Courtney", "Holly",
    "Bethany", "Paige", "Emily", "Olivia", "Katie", "Caroline", "Hayley", "Lucy", "Anne", "Wendy",
)  # fmt: skip
MALE_ADULT = (
    "David", "Michael", "John", "James", "Robert", "William", "Richard", "Thomas", "Christopher", "Daniel",
    "Matthew", "Andrew", "Mark", "Paul", "Steven", "Anthony", "Kevin", "Gary", "Lee", "Craig", "Wayne",
    "Darren", "Jason", "Scott", "Stuart", "Neil", "Ian", "Peter", "Carl", "Dean", "Shaun", "Ryan", "Jamie",
    "Liam", "Jordan", "Adam", "Luke", "Nathan", "Callum", "Connor", "Kieran", "Joshua", "Jack", "Benjamin",
    "Samuel", "Joseph", "Alexander", "Stephen", "Simon", "Philip", "Martin", "Brian", "Kenneth", "Alan",
    "Graham", "Keith", "Barry", "Terry", "Nicholas", "Jonathan", "Edward", "Harry", "Aaron", "Bradley",
    "Reece", "Tyler", "Kyle", "Dale",
)  # fmt: skip
FEMALE_CHILD = (
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia", "Grace", "Freya",
    "Willow", "Florence", "Emily", "Ella", "Poppy", "Evie", "Elsie", "Charlotte", "Evelyn", "Sienna", "Daisy",
    "Phoebe", "Harper", "Millie", "Ruby", "Matilda", "Erin", "Ellie", "Maisie", "Lola", "Esme", "Scarlett",
    "Imogen", "Sophie", "Chloe", "Jessica", "Lacey", "Molly", "Layla", "Holly", "Darcie", "Niamh", "Hallie",
    "Thea", "Alice", "Eva", "Aria", "Summer",
)  # fmt: skip
MALE_CHILD = (
    "Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry", "Theodore",
    "Freddie", "Jack", "Charlie", "Theo", "Alfie", "Jacob", "Thomas", "Finley", "Lucas", "Isaac", "Tommy",
    "Teddy", "Max", "Riley", "Ethan", "Jaxon", "Joshua", "Logan", "Mason", "Reggie", "Alexander", "Harrison",
    "Dylan", "Lewis", "Kai", "Jayden", "Tyler", "Callum", "Ryan", "Bobby", "Frankie", "Louie", "Ronnie",
    "Albie", "Mohammed", "Hunter", "Jenson", "Ollie", "Sonny",
)  # fmt: skip
FAMILY: tuple[str, ...] = (
    "Smith", "Jones", "Taylor", "Brown", "Wilson", "Robinson", "Wright", "Thompson", "Walker", "White",
    "Johnson", "Hall", "Wood", "Jackson", "Harrison", "Clarke", "Watson", "Green", "Lee", "Thomas", "Davies",
    "Roberts", "Hughes", "Edwards", "Turner", "Hill", "Moore", "Martin", "Cooper", "Ward", "Morris", "King",
    "Baker", "Scott", "Young", "Allen", "Bell", "Dixon", "Robson", "Armstrong", "Charlton", "Dobson",
    "Elliott", "Milburn", "Atkinson", "Heslop", "Pybus", "Teasdale", "Readman", "Dowson", "Marley",
    "Pattison", "Ridley", "Shepherd", "Bainbridge", "Hutchinson", "Gibson", "Fenwick", "Liddle", "Nicholson",
    "Swales", "Sedgwick", "Bewick", "Coulson", "Errington", "Forster", "Gowland", "Harland", "Jobling",
    "Kirtley", "Lister", "Metcalfe", "Nattrass", "Oxley", "Proud", "Raine", "Stobbs", "Tweddle", "Wardle",
    "Addison", "Blenkinsop", "Carr", "Dodds", "Emmerson", "Foster", "Gray", "Hodgson", "Irving", "Lamb",
    "Mason", "Nixon", "Potts", "Reed", "Stephenson", "Thornton", "Walton", "Bennett", "Carter", "Collins",
    "Evans", "Mitchell", "Murphy", "O'Brien", "Patel", "Khan", "Hussain", "Ahmed", "Kaur", "Singh",
    "Kowalski", "Nowak",
)  # fmt: skip
# The long tail: real surnames are long-tailed (a town of 200,000 has thousands), and with only the common ones
# above most people at 100k records would share a full name with several others, far more than in life. Place-name
# surnames built from common English parts, after the common ones so the Zipf skew keeps those commonest.
_SURNAME_STEMS = (
    "Ash", "Black", "Brad", "Brom", "Brook", "Burn", "Cald", "Chad", "Clay", "Cold", "Cram", "Dal", "Dun", "East",
    "Fair", "Far", "Green", "Hal", "Hather", "Hay", "Hep", "Kirk", "Lang", "Lin", "Mid", "Moss", "North", "Oak",
    "Pen", "Ross", "Rush", "Sand", "Shel", "Stan", "Thorn", "Wal", "West", "Whit", "Wind", "Wor",
)  # fmt: skip
_SURNAME_ENDS = (
    "ley", "ton", "worth", "field", "wood", "by", "ham", "well", "dale", "ford", "hurst", "ridge", "stone",
    "shaw", "wick", "more", "croft", "holme", "thwaite", "burn",
)  # fmt: skip
FAMILY = FAMILY + tuple(
    name for name in (stem + end for end in _SURNAME_ENDS for stem in _SURNAME_STEMS) if name not in FAMILY
)

# Formal name -> informal forms an agency may record instead (and the reverse, for spelling variants).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Robert": ("Bob", "Rob", "Robbie"), "William": ("Bill", "Will", "Billy"),
    "Richard": ("Rich", "Richie"), "Elizabeth": ("Liz", "Beth", "Lizzie"),
    "Katherine": ("Kate", "Kath", "Katie"), "Catherine": ("Cath", "Kate"),
    "Michael": ("Mike", "Mick", "Micky"), "Christopher": ("Chris",), "Anthony": ("Tony",),
    "James": ("Jim", "Jimmy"), "Thomas": ("Tom", "Tommy"), "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",), "Andrew": ("Andy", "Drew"), "Stephen": ("Steve",),
    "Steven": ("Steve", "Stevie"), "Joseph": ("Joe",), "Samuel": ("Sam",), "Benjamin": ("Ben",),
    "Alexander": ("Alex",), "Jonathan": ("Jon", "Jonny"), "Nicholas": ("Nick", "Nicky"),
    "Edward": ("Ed", "Eddie", "Ted"), "Kenneth": ("Ken", "Kenny"), "Philip": ("Phil",),
    "Peter": ("Pete",), "David": ("Dave", "Davey"), "John": ("Johnny", "Jack"),
    "Samantha": ("Sam", "Sammy"), "Rebecca": ("Becky",), "Jennifer": ("Jen", "Jenny"),
    "Victoria": ("Vicky", "Tori"), "Nicola": ("Nicky", "Nic"), "Margaret": ("Maggie", "Peggy"),
    "Patricia": ("Pat", "Trish"), "Christine": ("Chris", "Chrissy"), "Jacqueline": ("Jackie",),
    "Deborah": ("Debbie", "Deb"), "Susan": ("Sue", "Susie"), "Amanda": ("Mandy",),
    "Stephanie": ("Steph",), "Danielle": ("Dani",), "Joanne": ("Jo",), "Charlotte": ("Lottie", "Charlie"),
    "Jessica": ("Jess",), "Abigail": ("Abbie", "Abi"), "Natalie": ("Nat",), "Louise": ("Lou",),
    "Gemma": ("Gem",), "Olivia": ("Liv", "Livvy"), "Isabella": ("Bella", "Izzy"), "Amelia": ("Millie",),
    "Florence": ("Flo",), "Matilda": ("Tilly",), "Oliver": ("Ollie",), "Theodore": ("Theo", "Teddy"),
    "Joshua": ("Josh",), "Callum": ("Cal",), "Nathan": ("Nate",), "Bradley": ("Brad",),
    "Jacob": ("Jake",), "Harrison": ("Harry",), "Muhammad": ("Mohammed",),
    "Mohammed": ("Muhammad", "Mohammad"), "Zoe": ("Zoey",), "Alice": ("Ally",),
}  # fmt: skip

STREET_WORDS = (
    "Marsh", "Heron", "Larch", "Rowan", "Ferry", "Kiln", "Tanner", "Cotton", "Salter", "Foundry", "Coble",
    "Pennine", "Alder", "Bracken", "Brough", "Dene", "Fell", "Gorse", "Harrow", "Ings", "Keel", "Moor",
    "Nook", "Oakwood", "Pinfold", "Quarry", "Ropery", "Tern", "Upfield", "Vane", "Wharf", "Yewtree",
    "Beacon", "Cinder", "Drover", "Ember", "Flax", "Garth", "Hawthorn", "Kestrel", "Lark", "Mill",
    "Netherby", "Orchard", "Plover", "Redshank", "Sandpiper", "Thistle", "Wren", "Bramble", "Curlew",
)  # fmt: skip
STREET_KINDS = (
    "Road", "Street", "Lane", "Close", "Avenue", "Crescent", "Grove", "Walk", "Terrace", "Way", "Drive",
    "Court", "Gardens", "Place",
)  # fmt: skip
# Town -> TS postcode districts; Stockton is weighted up because the demo children's services,
# schools and housing provider are Stockton ones.
TOWNS: tuple[tuple[str, tuple[int, ...], int], ...] = (
    ("Stockton-on-Tees", (18, 19, 20, 21), 8),
    ("Thornaby", (17,), 2),
    ("Billingham", (22, 23), 2),
    ("Middlesbrough", (1, 3, 4, 5, 7, 8), 4),
    ("Hartlepool", (24, 25, 26, 27), 2),
    ("Redcar", (10, 11), 2),
    ("Guisborough", (14,), 1),
    ("Yarm", (15,), 1),
)
_TOWN_CUM = list(itertools.accumulate(t[2] for t in TOWNS))
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters Royal Mail uses in the inward code

# Fictional schools: code (used in pupil numbers) and name.
PRIMARY_SCHOOLS = (
    ("MARSHBECK", "Marshbeck Primary School"),
    ("HERONSYKE", "Heronsyke Primary School"),
    ("KILNFIELD", "Kilnfield Primary Academy"),
    ("FERRYGARTH", "Ferrygarth Church of England Primary School"),
    ("COBLEGATE", "Coblegate Primary School"),
)
SECONDARY_SCHOOLS = (
    ("ROPERYBANK", "Ropery Bank Academy"),
    ("LARCHMOOR", "Larchmoor High School"),
    ("WHARFSIDE", "Wharfside School and Sixth Form"),
)


def _zipf_cum(n: int, skew: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (i + 1) ** skew for i in range(n)))


_CUM: dict[tuple[int, float], list[float]] = {}


def pick(rng: random.Random, names: Sequence[str], skew: float = 0.5) -> str:
    """A name drawn with a Zipf skew (mild by default): earlier names in the list are more common."""
    cum = _CUM.get((len(names), skew))
    if cum is None:
        cum = _CUM[(len(names), skew)] = _zipf_cum(len(names), skew)
    return rng.choices(names, cum_weights=cum)[0]


def given_name(rng: random.Random, gender: str, child: bool) -> str:
    if gender == "female" or (gender not in ("male", "female") and rng.random() < 0.5):
        return pick(rng, FEMALE_CHILD if child else FEMALE_ADULT)
    return pick(rng, MALE_CHILD if child else MALE_ADULT)


def family_name(rng: random.Random, pool: int = 0, skew: float = 0.5) -> str:
    """A family name from the first ``pool`` of ``FAMILY`` (0: all of them) with a Zipf skew of ``skew``: a small
    pool and a steep skew make a population where a few surnames dominate; all with a flat skew, a long tail."""
    return pick(rng, FAMILY[:pool] if pool else FAMILY, skew)


def nickname(rng: random.Random, given: str) -> str:
    forms = NICKNAMES.get(given)
    return rng.choice(forms) if forms else given


def home(rng: random.Random) -> tuple[str, str]:
    """A random (postcode, address) pair somewhere in the TS area."""
    town, districts, _ = rng.choices(TOWNS, cum_weights=_TOWN_CUM)[0]
    district = rng.choice(districts)
    inward = f"{rng.randrange(10)}{rng.choice(_UNIT_LETTERS)}{rng.choice(_UNIT_LETTERS)}"
    street = f"{rng.choice(STREET_WORDS)} {rng.choice(STREET_KINDS)}"
    return f"TS{district} {inward}", f"{rng.randint(1, 180)} {street}, {town}"
