"""Cheap, pure string normalisation of LaTeX answers, and their split into structures.

`normalise(answer)` maps notational variants of one answer to one string (\\dfrac -> \\frac,
\\left( -> (, spaces, \\text{} units, degrees, percent, \\$, thousands separators, a trailing
period, "x =" prefixes, "\\text{(B)}" -> "B", \\sqrt3 -> \\sqrt{3}, \\frac12 -> \\frac{1}{2}).
`split_structure` then tells a scalar from a tuple, an interval, an unordered set of answers
or a matrix. Everything here is linear-time string work: no parsing that can blow up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rlvr.verifiers.math.numeric import evaluate, evaluate_matrix_expression

# Spacing and sizing commands that never change a value.
_NOISE = re.compile(
    r"(?<!\\)\\(?:displaystyle|textstyle|left|right|big|Big|bigg|Bigg|quad|qquad|[!,;: ])(?![A-Za-z])|~"
)
_LEFT_RIGHT_DOT = re.compile(r"\\(?:left|right)\.")
_TEXT_MACRO = re.compile(r"\\(?:mbox|textrm|textnormal|textbf|textit|mathrm|mathbf|mathit|operatorname)(?![A-Za-z])")
FRAC_MACRO = re.compile(r"\\[dt]frac(?![A-Za-z])")
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°|\\degree(?![A-Za-z])|\\circ(?![A-Za-z])")
_PERCENT = re.compile(r"\\?%")
_DOLLAR = re.compile(r"\\\$|\$")
# A trailing unit in \text{...} after a value: "5\text{ cm}", "3\text{ inches}^2", "\text{ km/h}", "4\pi\text{ cm}".
_TEXT_UNIT = re.compile(r"(?:(?<=[0-9}).)])|(?<=\\pi))\s*\\text\{\s*[A-Za-z][A-Za-z /.\-]*\}(?:\^\{?[23]\}?)?\s*$")
_TEXT_GROUP = re.compile(r"\\text\{([^{}]*)\}")
# A plain unit word after a number: "18 eggs", "4 cm^2". One letter is a variable, not a unit:
# "3 n" is 3n (stripping it would make the gold 3 and reward a wrong answer).
# It may end an item of a list or set too: "{35 cm, 4}".
_PLAIN_UNIT = re.compile(r"(?<=\d)\s+[A-Za-z]{2,}(?:\s+[A-Za-z]+)*(?:\^\{?[23]\}?)?\s*(?=,|\\?\}\s*$|$)")
# A unit word glued to a whole answer's number: "10weeks". Short ones stay: "10cm" may be 10*c*m.
_GLUED_UNIT = re.compile(r"^(-?[\d.,]+)[A-Za-z]{4,}$")
# A mixed number written with a space: "1 1/2" is 3/2 (removing the space would make it 11/2).
_SPACED_MIXED = re.compile(r"(?<![\d.])(\d+)\s+(\d+)/(\d+)(?![\d.])")
# A space between a power and a number multiplies: "2^6 3^5" (removing it would make 2^63^5).
_SPACED_POWERS = re.compile(r"(\^\s*(?:\d+|\{[^{}]*\}))\s+(?=\d)")
# A time of day: "20:34", "20:34:00", "08:34 \text{P.M.}" (as 24-hour "20:34").
_TIME = re.compile(
    r"^(\d{1,2}):(\d{2})(?::00)?\s*(?:\\(?:text|mathrm)\{\s*([AaPp])\.?\s*[Mm]\.?\s*\}|([AaPp])\.?\s*[Mm]\.?)?$"
)
# In a trigonometric function's argument a degree is pi/180: "\sin(90^{\circ}-x)" is cos(x).
_TRIG = re.compile(r"\\(?:sin|cos|tan|cot|sec|csc)(?![A-Za-z])")
# Sympy's rendering of a function application, "f{\\left(x \\right)}": the braces group nothing.
_BRACED_ARGUMENTS = re.compile(r"(?<![\\A-Za-z])([A-Za-z])\{(\([^{}()]*\))\}")
_SHORT_FRAC = re.compile(r"\\frac(?:\s*([0-9A-Za-z])|(\{[^{}]*\}))(?:\s*([0-9A-Za-z])|(\{[^{}]*\}))")
_UNICODE_SYMBOLS = str.maketrans(
    {
        "π": "\\pi ",
        "∞": "\\infty ",
        "√": "\\sqrt",
        "−": "-",
        "×": "\\times ",
        "·": "\\cdot ",
        "≤": "\\leq ",
        "≥": "\\geq ",
        "≠": "\\neq ",
    }
)
_UNICODE_MATH = re.compile("[" + "".join(chr(code) for code in _UNICODE_SYMBOLS) + "]")
# A plain-text root covers the number, letter or parenthesised group after it ("√12", "√(x+1)").
_UNICODE_ROOT = re.compile(r"√\s*(?:\(([^()]{1,200})\)|(\d+(?:\.\d+)?|[A-Za-z]))")
_SHORT_SQRT = re.compile(r"\\sqrt(\[[^\]]*\])?\s*([0-9A-Za-z])")
_SPACES = re.compile(r"(\\[A-Za-z]+)?\s+(?=([A-Za-z0-9])?)")
_THOUSANDS_GLUE = re.compile(r",\s*\\!\s*")
_SPACED_COMMA = re.compile(r",\s")
# A name ("x", "a_1", "f(n)", "BC", "Area") or a tuple of names ("(p,q)", "(f(n),g(n))") before "=" or "\\in".
NAME_PATTERN = r"(?:[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?'*|[A-Z]{2,3}|[A-Z][a-z]{2,})(?:\([A-Za-z](?:,[A-Za-z])*\))?"
_VARIABLE_PREFIX = re.compile(rf"^(?:{NAME_PATTERN}|\({NAME_PATTERN}(?:,{NAME_PATTERN})+\))(?:=(?!=)|\\in(?![A-Za-z]))")
# Thousands grouped by spaces or thin spaces: "1 000", "7\\,425\\,000".
_SPACED_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:(?:\\[,! ]|\\thinspace|[ \u2009\u202f~])\d{3})+(?![\d])")
# What a left-hand side that names a quantity is made of, once subscripts are gone: letters,
# \\frac and other commands, |AB|, ratios A:B, function applications f(x).
_NAMED = re.compile(r"[A-Za-z\\{}()|:' ]+")
_SUBSCRIPT = re.compile(r"_(?:\{[^{}]*\}|\w)")
_THOUSANDS_SPACE = re.compile(r"\\[,! ]|\\thinspace|[ \u2009\u202f~]")
_RELATION_MACRO = re.compile(r"\\(geqslant|leqslant|geq|leq|ge|le)(?![A-Za-z])")
_RELATION = re.compile(r"=|\\[gl]eq?(?![A-Za-z])|\\neq?(?![A-Za-z])|[<>]")
_FUNCTION = re.compile(r"\\(?:sin|cos|tan|cot|sec|csc|log|ln|exp)(?![A-Za-z])")
_CHOICE = re.compile(r"^\(?([A-E])\)?$")
_PM = re.compile(r"\\pm(?![A-Za-z])")
_CHAIN = re.compile(r"(<|\\leq(?![A-Za-z]))")
_RAY = re.compile(r"([^<>=\\]+?)(<|>|\\leq(?![A-Za-z])|\\geq(?![A-Za-z]))(.+)")
_BRACKETED_MATRIX = re.compile(r"^[\[(](\\begin\{(array|[pbvB]?matrix)\}.*\\end\{\2\})[\])]$", re.S)
# "and"/"or" between answers; glued ones too, in text that lost its spaces ("(1,2)or(3,4)", "W(x)=1orW(x)=-1").
GLUED_CONJUNCTION = r"(?<=[)\]\d])(?:and|or)(?=[A-Z(\[\d\\-])"
_AND = re.compile(rf",?\\text\{{\s*(?:and|or)\s*\}}|,?\s+(?:and|or)\s+|{GLUED_CONJUNCTION}")
# "\\\\frac", "\\\\left(": a backslash escaped twice (text that went through a string literal), not a line
# break; but a row break before a command ("0\\\\\\end{pmatrix}") is one.
_ESCAPED_COMMAND = re.compile(r"(?<!\\)\\\\(?=[A-Za-z]{2})")


# "\text { cm}": a space between a text command and its brace, as some golds write it.
_SPACED_TEXT_BRACE = re.compile(r"(\\(?:text|mbox|textrm|textnormal|textbf|textit|mathrm|operatorname))\s+\{")
# A qualifier after the answer ("\text{ for all } n \geq 1", ", \text{ where } k \in \mathbb{Z}", "for every n"):
# it restricts where the answer holds, it is not part of the value.
_QUALIFIER = re.compile(
    r"(?<=\S)\s*,?\s*(?:\\text\{\s*\(?\s*|\(\s*|\s)"
    r"(?:for (?:all|every|each|any)|where|with|when)\b(?:(?!\\text\{\s*(?:and|or)\b).)*$"
    # The parameter of a family named at its end: ", k \in \mathbb{Z}", "(n \in \mathbb{N})".
    r"|(?<=\S)\s*(?:,|\(|\\text\{\s*,?\s*\})\s*[kmn]\s*\\in\s*\\mathbb\s*\{?[ZN]\}?\s*\)?\s*$",
    re.IGNORECASE | re.S,
)
# A time of day in a text command: "\text{4:30 PM}".
_TEXT_WRAPPED = re.compile(r"^\\(?:text|mathrm|mbox)\{([^{}]*)\}$")


def normalise(answer: str, keep_equation: bool = False) -> str:
    r"""The canonical string of one answer; equal strings mean equal answers. A leading "x="
    goes unless `keep_equation` (the answer is compared with an equation).

    >>> normalise("\\dfrac{1}{2}\\text{ cm}"), normalise("y = 2x"), normalise("y = 2x", keep_equation=True)
    ('\\frac{1}{2}', '2x', 'y=2x')
    """
    text = _SPACED_TEXT_BRACE.sub(r"\1{", answer.strip())
    text = _time_of_day(_unicode_as_latex(_QUALIFIER.sub("", text)))
    text = _SPACED_THOUSANDS.sub(lambda m: _THOUSANDS_SPACE.sub("", m.group()), text)
    text = _SPACED_MIXED.sub(r"\1\\frac{\2}{\3}", text)
    text = _SPACED_POWERS.sub(r"\1\\cdot", text)
    text = text.replace("**", "^")  # Python's power, as in "3*s**2"
    text = _without_open_box(_ESCAPED_COMMAND.sub(r"\\", text))
    text = _THOUSANDS_GLUE.sub(",", text)
    # "1, 000" is a list of two answers; "1,000" and "1,\\! 000" are one number.
    spaced_commas = _SPACED_COMMA.search(text) is not None
    text = _DOLLAR.sub("", text).rstrip("\\")  # a stray backslash at the end ("185\\") closes nothing
    text = _LEFT_RIGHT_DOT.sub("", text)
    text = _NOISE.sub(" ", text)
    text = _named_solutions(text)
    text = text.replace(";", ",")  # "(0;1)", "-12;-11": what is left of ";" after "\\;" went is a separator
    text = _TEXT_MACRO.sub(r"\\text", text)
    text = FRAC_MACRO.sub(r"\\frac", text)
    text = _RELATION_MACRO.sub(lambda m: "\\" + m.group(1)[0] + "eq", text)
    text = text.replace("{,}", "")
    text = _AND.sub(",", text)
    text = _DEGREES.sub(r"\\cdot\\frac{\\pi}{180}" if _TRIG.search(text) else "", text)
    text = _PERCENT.sub("", text)
    text = _TEXT_UNIT.sub("", text)
    text = _TEXT_GROUP.sub(r"\1", text)
    text = _PLAIN_UNIT.sub("", text)
    text = _GLUED_UNIT.sub(r"\1", text)
    text = _SHORT_FRAC.sub(_braced_frac, text)
    text = _SHORT_SQRT.sub(lambda m: f"\\sqrt{m.group(1) or ''}{{{m.group(2)}}}", text)
    text = _SPACES.sub(_keep_command_space, text)
    text = _BRACED_ARGUMENTS.sub(r"\1\2", _without_outer_braces(text))
    text = _plus_minus(_BRACKETED_MATRIX.sub(r"\1", text))
    text = evaluate_matrix_expression(text) or text if text.count("\\begin") > 1 else text
    text = _as_interval(_exact_before_approximation(text.rstrip(".").strip()))
    text = text if keep_equation else strip_variable_prefix(text)
    if not spaced_commas and _is_grouped_number(text):
        text = text.replace(",", "")
    choice = _CHOICE.match(text)
    if choice:
        return choice.group(1)
    return text


def _unicode_as_latex(text: str) -> str:
    """Plain-text math as LaTeX: "2√3" -> "2\\sqrt{3}", "√(x+1)" -> "\\sqrt{x+1}", "4π" -> "4\\pi".

    >>> _unicode_as_latex("2√3 + √(x+1) - 4π")
    '2\\\\sqrt{3} + \\\\sqrt{x+1} - 4\\\\pi '
    """
    if not _UNICODE_MATH.search(text):
        return text
    text = _UNICODE_ROOT.sub(lambda m: "\\sqrt{" + (m.group(1) or m.group(2)) + "}", text)
    return text.translate(_UNICODE_SYMBOLS)


def _without_open_box(text: str) -> str:
    """ "\\boxed{W(n)=1" -> "W(n)=1": a box that is never closed (a cut-off answer) boxes the rest."""
    if not text.startswith("\\boxed{"):
        return text
    depth = 0
    for char in text[len("\\boxed") :]:
        depth += (char == "{") - (char == "}")
        if depth == 0:
            return text
    return text[len("\\boxed{") :]


def _time_of_day(text: str) -> str:
    """ "08:34 \\text{P.M.}" -> "20:34", "20:34:00" -> "20:34": a time of day, on the 24-hour clock."""
    wrapped = _TEXT_WRAPPED.match(text)
    match = _TIME.match(wrapped.group(1).strip() if wrapped else text)
    if match is None:
        return text
    hour, minute, half = int(match.group(1)), match.group(2), (match.group(3) or match.group(4) or "").lower()
    if half and 1 <= hour <= 12:
        hour = hour % 12 + (12 if half == "p" else 0)
    return f"{hour}:{minute}"


def _named_solutions(text: str) -> str:
    """ "p=5,q=2;p=7,q=2" -> "(5,2),(7,2)": solutions that name their values, one per ";"-part,
    with the same names in the same order."""
    groups = top_level_split(text, ";")
    if len(groups) < 2:
        return text
    names: list[str] | None = None
    solutions = []
    for group in groups:
        sides = [[side.strip() for side in item.split("=")] for item in top_level_split(group, ",")]
        if any(len(pair) != 2 or not re.fullmatch(NAME_PATTERN, pair[0]) for pair in sides):
            return text
        if names is None:
            names = [name for name, _ in sides]
        if [name for name, _ in sides] != names:
            return text
        values = [value for _, value in sides]
        solutions.append(f"({','.join(values)})" if len(values) > 1 else values[0])
    return ",".join(solutions)


def _without_outer_braces(text: str) -> str:
    """ "{\\binom{2n}{n}}" -> "\\binom{2n}{n}": braces around one item only group it. Around a list
    ("{1,2}") they are a set that lost its backslash, and stay."""
    while text.startswith("{") and encloses(text) and len(top_level_split(text[1:-1], ",")) == 1:
        text = text[1:-1]
    return text


def _plus_minus(text: str) -> str:
    """ "\\pm2021" -> "-2021,2021" and "1\\pm\\sqrt{2}" -> "1-\\sqrt{2},1+\\sqrt{2}": the two values."""
    parts = [part.strip() for part in top_level_split(_PM.sub("\x00", text), "\x00")]
    if len(parts) != 2 or "," in text:
        return text
    return f"{parts[0]}-{parts[1]},{parts[0]}+{parts[1]}" if parts[0] else f"-{parts[1]},{parts[1]}"


def _exact_before_approximation(text: str) -> str:
    """ "5\\sqrt{5}\\approx11.18" -> "5\\sqrt{5}": the exact value is the answer, the decimal an aside
    (but "x\\approx3.14" -> "3.14": a name is not a value)."""
    parts = text.split("\\approx")
    if len(parts) != 2:
        return text
    return parts[1].strip() if re.fullmatch(NAME_PATTERN, parts[0].strip()) else parts[0].strip()


def _as_interval(text: str) -> str:
    """ "-2\\leqx<7" -> "[-2,7)": a variable between two bounds is the interval of its values;
    "1\\leq|z|<2" -> "(-2,-1]\\cup[1,2)": its absolute value between two bounds, two intervals."""
    parts = [part.strip() for part in _CHAIN.split(text)]
    if len(parts) != 5 or not parts[0] or not parts[4]:
        return text
    if re.search(r"[<>=]|\\[gl]eq", parts[0] + parts[4]):
        return text
    opening = "(" if parts[1] == "<" else "["
    closing = ")" if parts[3] == "<" else "]"
    if re.fullmatch(NAME_PATTERN, parts[2]):
        return f"{opening}{parts[0]},{parts[4]}{closing}"
    low = evaluate(parts[0])
    if re.fullmatch(rf"\|{NAME_PATTERN}\|", parts[2]) and low is not None and low > 0:
        mirrored = {"(": ")", "[": "]"}[opening]
        reversed_closing = {")": "(", "]": "["}[closing]
        return f"{reversed_closing}-{parts[4]},-{parts[0]}{mirrored}\\cup{opening}{parts[0]},{parts[4]}{closing}"
    return text


_FLIPPED = {"<": ">", ">": "<", "\\leq": "\\geq", "\\geq": "\\leq"}


def ray(text: str) -> str | None:
    """The interval a one-sided condition on a variable describes ("t>3" -> "(3,\\infty)",
    "5\\geq x" -> "(-\\infty,5]"), or None. Used only against an interval: elsewhere a
    condition stays a relation, compared as one.

    >>> ray("t>3"), ray("x\\\\leq-1"), ray("a>b")
    ('(3,\\\\infty)', '(-\\\\infty,-1]', None)
    """
    match = _RAY.fullmatch(text.replace(">=", "\\geq").replace("<=", "\\leq"))
    if match is None:
        return None
    name, relation, bound = match.group(1).strip(), match.group(2), match.group(3).strip()
    if re.fullmatch(NAME_PATTERN, bound) and not re.fullmatch(NAME_PATTERN, name):
        name, relation, bound = bound, _FLIPPED[relation], name
    if not re.fullmatch(NAME_PATTERN, name) or re.fullmatch(NAME_PATTERN, bound) or _RELATION.search(bound):
        return None
    if relation in (">", "\\geq"):
        return ("[" if relation == "\\geq" else "(") + bound + ",\\infty)"
    return "(-\\infty," + bound + ("]" if relation == "\\leq" else ")")


def _braced_frac(match: re.Match[str]) -> str:
    numerator = match.group(1) or match.group(2)[1:-1]
    denominator = match.group(3) or match.group(4)[1:-1]
    return f"\\frac{{{numerator}}}{{{denominator}}}"


def _keep_command_space(match: re.Match[str]) -> str:
    """Spaces go, except one that keeps a command apart from a following letter ("\\pi r")."""
    command = match.group(1) or ""
    return command + " " if command and match.group(2) else command


def _is_grouped_number(text: str) -> bool:
    """Whether commas in `text` are thousands separators ("10,080", "-1,000.5"), not a list."""
    return re.fullmatch(r"-?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?", text) is not None


def strip_variable_prefix(text: str) -> str:
    """ "x=3" -> "3", "f(x)=2x" -> "2x", "x\\in[1,2)" -> "[1,2)"; an equation with more than
    one "=" is left alone."""
    match = _VARIABLE_PREFIX.match(text)
    rest = text[match.end() :] if match else ""
    # "a=b" names nothing: it is a relation between two names, compared as an equation.
    if match and "=" not in rest and not re.fullmatch(NAME_PATTERN, rest):
        return rest
    return text


def has_relation(text: str) -> bool:
    """Whether a normalised answer states a relation ("y=2x+3", "k\\geq2") rather than a value."""
    return _RELATION.search(text) is not None


def final_values(text: str) -> str:
    """The right-hand side of the last top-level "=" of a normalised answer, item by item when
    every item of a list is an equation: what a prediction means against a gold value.

    >>> final_values("\\frac{36}{4}=9"), final_values("x=-3,x=1"), final_values("(p,q)=(4,7)")
    ('9', '-3,1', '(4,7)')
    """
    items = top_level_split(text, ",")
    if len(items) > 1 and all(len(top_level_split(item, "=")) > 1 for item in items):
        return ",".join(top_level_split(item, "=")[-1] for item in items)
    return top_level_split(text, "=")[-1]


def stated_values(text: str) -> str | None:
    r"""The values of a gold answer that names what it gives ("|AB|=1", "S_{MBCN}:S=7:32",
    "x=-5,p=\frac{14}{3}", "z=1+1=2", "1=a=0"), for a prediction that gives only the values; None when
    a left-hand side is an expression ("x+y=2" is a line, not the value 2).

    >>> stated_values("\\frac{NO}{BO}=\\frac{1}{\\sqrt{6}}"), stated_values("x+y=2")
    ('\\frac{1}{\\sqrt{6}}', None)
    """
    values = []
    for item in top_level_split(text, ","):
        sides = top_level_split(item, "=")
        # A chain of equalities ("1=\\zzz=x=0") ends in the value it works out.
        named = len(sides) > 2 or _NAMED.fullmatch(_SUBSCRIPT.sub("", sides[0])) is not None
        if len(sides) < 2 or not named or not sides[-1]:
            return None
        if re.fullmatch(NAME_PATTERN, sides[-1]):
            return None  # "a=b" relates two names
        values.append(sides[-1])
    return ",".join(values)


def different_functions(gold: str, predicted: str) -> bool:
    """Whether two equations name values of different functions ("\\sin(x)=a" and "\\cos(x)=a"):
    then they are not two names for one value."""
    names = [top_level_split(text, "=")[0] for text in (gold, predicted)]
    functions = [_FUNCTION.findall(name) for name in names]
    return all(functions) and names[0] != names[1]


def top_level_split(text: str, separator: str) -> list[str]:
    """`text` split at the `separator` characters outside brackets and braces."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:position])
            start = position + 1
    parts.append(text[start:])
    return parts


# ---------------------------------------------------------------- structures


@dataclass(frozen=True)
class Answer:
    """A normalised answer: kind is "scalar", "ordered" (tuple/interval, with its brackets),
    "set" (unordered solutions) or "matrix" (items are the cells, `shape` its rows x columns)."""

    kind: str
    items: tuple[str, ...]
    brackets: str = ""
    shape: tuple[int, int] = (0, 0)


_MATRIX = re.compile(r"^\\begin\{([pbvB]?matrix|array)\}(?:\{[^{}]*\})?(.*)\\end\{\1\}$", re.S)
MAX_ITEMS = 64


def split_structure(text: str) -> Answer:
    """The structure of a normalised answer (see `Answer`)."""
    text = strip_variable_prefix(text)
    matrix = _MATRIX.match(text)
    if matrix:
        rows = [row for row in re.split(r"\\\\", matrix.group(2)) if row.strip()]
        cells = [[cell.strip() for cell in row.split("&")] for row in rows]
        width = len(cells[0]) if cells else 0
        if cells and all(len(row) == width for row in cells):
            flat = tuple(strip_variable_prefix(cell) for row in cells for cell in row)
            return Answer("matrix", flat, shape=(len(cells), width))
    if "\\cup" in text and all(_singleton(part) for part in text.split("\\cup")):
        text = ",".join(_singleton(part) or "" for part in text.split("\\cup"))  # {2}\cup{3} is 2, 3
    if "\\cup" in text:
        parts = tuple(part for part in text.split("\\cup"))
        return Answer("set", parts, brackets="cup")
    if text.startswith("\\{") and text.endswith("\\}") and encloses(text[1:]):
        return Answer("set", _set_items(text[2:-2]))
    if text.startswith("{") and text.endswith("}") and encloses(text) and "," in text:
        return Answer("set", _set_items(text[1:-1]))  # "{1,2,3}": braces that lost their backslash
    if len(text) >= 2 and text[0] in "([" and text[-1] in ")]" and encloses(text):
        items = _split_commas(text[1:-1])
        if len(items) > 1:
            return Answer("ordered", items, brackets=text[0] + text[-1])
    items = _split_commas(text)
    if len(items) > 1:
        return Answer("set", _set_items(text))
    return Answer("scalar", (strip_variable_prefix(text),))


def _set_items(text: str) -> tuple[str, ...]:
    """The members of a set or list of solutions: "\\pm a" is a and -a ("\\pm1,\\pm2" has four
    members), a one-member set "\\{(0,0)\\}" is its member, repeats count once."""
    items: list[str] = []
    for item in _split_commas(text):
        item = _singleton(item) or item
        if _PM.search(item):
            items.extend(_plus_minus(item).split(","))
        else:
            items.append(item)
    return _distinct(tuple(items))


def _singleton(text: str) -> str | None:
    """X of the one-member set "\\{X\\}", else None."""
    text = text.strip()
    if text.startswith("\\{") and text.endswith("\\}") and encloses(text[1:]):
        inner = _split_commas(text[2:-2])
        return inner[0] if len(inner) == 1 else None
    return None


def _distinct(items: tuple[str, ...]) -> tuple[str, ...]:
    """The items of a set without repeats, in first-seen order (a solution listed twice is one solution)."""
    return tuple(dict.fromkeys(items))


def encloses(text: str) -> bool:
    """Whether the first bracket of `text` closes only at its last character: "(1,2)" yes, "(1)(2)" no."""
    depth = 0
    for position, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0 and position != len(text) - 1:
                return False
    return depth == 0


def _split_commas(text: str) -> tuple[str, ...]:
    """Top-level comma-separated items (commas inside brackets or braces do not split)."""
    return tuple(strip_variable_prefix(item.strip()) for item in top_level_split(text, ",") if item.strip())
