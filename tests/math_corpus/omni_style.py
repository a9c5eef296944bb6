"""Omni-MATH-style problems for make_completions.py: (problem, gold answer, reasoning), written
here with answers of the kinds Omni-MATH has (sets, "all n such that", functions, text answers,
intervals, tuples, closed forms). Each answer was worked out by hand; the reasoning is a sketch
of the argument with the intermediate values a model writes down."""

from __future__ import annotations

OMNI_PROBLEMS: tuple[tuple[str, str, str], ...] = (
    (
        "Find all positive integers $n$ such that $n^2 + 1$ is divisible by $n + 1$.",
        "1",
        "Since $n^2 + 1 = (n+1)(n-1) + 2$, we need $n + 1 \\mid 2$.\n\n"
        "So $n + 1 \\in \\{1, 2\\}$, and with $n \\geq 1$ only $n + 1 = 2$ works.",
    ),
    (
        "Find all primes $p$ such that $p^2 + 2$ is also prime.",
        "3",
        "If $p \\neq 3$ then $p^2 \\equiv 1 \\pmod 3$, so $p^2 + 2 \\equiv 0 \\pmod 3$ and $p^2 + 2 > 3$.\n\n"
        "For $p = 3$ we get $p^2 + 2 = 11$, which is prime. For $p = 2$ we get $6$.",
    ),
    (
        "Determine all positive integers $n$ for which $2^n - 1$ is divisible by $7$.",
        "n \\equiv 0 \\pmod{3}",
        "The powers of $2$ modulo $7$ cycle: $2^1 \\equiv 2$, $2^2 \\equiv 4$, $2^3 \\equiv 1$.\n\n"
        "So $2^n \\equiv 1 \\pmod 7$ exactly when the order $3$ divides $n$.",
    ),
    (
        "Find all real $x$ with $x^2 - 5x + 6 = 0$.",
        "2, 3",
        "Factor: $x^2 - 5x + 6 = (x - 2)(x - 3)$.\n\nEach factor gives one root.",
    ),
    (
        "Find all functions $f:\\mathbb{R}\\to\\mathbb{R}$ such that $f(x + y) = f(x) + y$ for all real $x, y$.",
        "f(x) = x + c",
        "Put $x = 0$: $f(y) = f(0) + y$. Let $c = f(0)$.\n\n"
        "Then $f(x) = x + c$, and indeed $f(x + y) = x + y + c = f(x) + y$.",
    ),
    (
        "Find all functions $f:\\mathbb{Z}\\to\\mathbb{Z}$ with $f(f(n)) = n + 2$ and $f$ increasing.",
        "f(n) = n + 1",
        "Since $f$ is increasing and $f(f(n)) = n + 2$, write $f(n) = n + a$ with $a$ constant, "
        "which gives $n + 2a = n + 2$.\n\nHence $a = 1$.",
    ),
    (
        "What is the smallest positive integer with exactly $12$ positive divisors?",
        "60",
        "If $n = p^a q^b r^c$ then the number of divisors is $(a+1)(b+1)(c+1) = 12$.\n\n"
        "Options: $2^{11} = 2048$, $2^5 \\cdot 3 = 96$, $2^3 \\cdot 3^2 = 72$, $2^2 \\cdot 3 \\cdot 5 = 60$.",
    ),
    (
        "Two players alternately take $1$ to $3$ stones from a pile of $2023$; whoever takes the last "
        "stone wins. Which player has a winning strategy?",
        "\\text{the first player}",
        "The losing positions are the multiples of $4$.\n\n"
        "Since $2023 = 4 \\cdot 505 + 3$, the first player takes $3$ stones and leaves $2020$.",
    ),
    (
        "Is there a positive integer $n$ such that $n^2 + n + 1$ is divisible by $9$?",
        "\\text{No}",
        "Modulo $9$, the values of $n^2 + n + 1$ for $n = 0, 1, \\dots, 8$ are $1, 3, 7, 4, 3, 4, 7, 3, 1$.\n\n"
        "None of them is $0$.",
    ),
    (
        "Find the set of all integers $k$ for which $x^2 + kx + 4 = 0$ has a repeated root.",
        "\\{-4, 4\\}",
        "A repeated root needs discriminant $k^2 - 16 = 0$.\n\nSo $k^2 = 16$.",
    ),
    (
        "Find all pairs of positive integers $(a, b)$ with $a + b = ab$.",
        "(2, 2)",
        "Rewrite as $(a - 1)(b - 1) = 1$.\n\nWith positive integers the only factorization is $1 \\cdot 1$.",
    ),
    (
        "Find all pairs of positive integers $(m, n)$ such that $m^2 - n^2 = 15$.",
        "(4, 1), (8, 7)",
        "Factor $(m - n)(m + n) = 15$ with $m - n < m + n$ and both odd.\n\n"
        "The factor pairs are $1 \\cdot 15$ and $3 \\cdot 5$, giving $m = 8, n = 7$ and $m = 4, n = 1$.",
    ),
    (
        "Compute $\\sum_{k=1}^{n} k \\cdot k!$ in closed form.",
        "(n+1)! - 1",
        "Note $k \\cdot k! = (k+1)! - k!$.\n\nThe sum telescopes from $2! - 1!$ up to $(n+1)! - n!$.",
    ),
    (
        "How many subsets of $\\{1, 2, \\dots, n\\}$ have an even number of elements?",
        "2^{n-1}",
        "Pairing each subset with its symmetric difference with $\\{1\\}$ swaps parity.\n\n"
        "So exactly half of the $2^n$ subsets are even.",
    ),
    (
        "Find the number of lattice paths from $(0,0)$ to $(n,n)$ using unit steps right and up.",
        "\\binom{2n}{n}",
        "Each path has $2n$ steps, $n$ of which go right.\n\nChoosing which steps go right determines the path.",
    ),
    (
        "Find the largest real $c$ such that $x^2 + y^2 \\geq c\\,xy$ for all real $x, y$.",
        "2",
        "We have $x^2 + y^2 - 2xy = (x - y)^2 \\geq 0$, so $c = 2$ works.\n\n"
        "For $c > 2$, take $x = y = 1$: $2 \\geq c$ fails.",
    ),
    (
        "Find the minimum of $x + \\frac{1}{x}$ for $x > 0$.",
        "2",
        "By AM-GM, $x + \\frac{1}{x} \\geq 2\\sqrt{x \\cdot \\frac{1}{x}} = 2$, with equality at $x = 1$.",
    ),
    (
        "Find the exact value of $\\cos 36^\\circ$.",
        "\\frac{1 + \\sqrt{5}}{4}",
        "Let $c = \\cos 36^\\circ$. From $\\cos 72^\\circ = 2c^2 - 1$ and $c - \\cos 72^\\circ = \\frac{1}{2}$ "
        "we get $4c^2 - 2c - 1 = 0$.\n\nTaking the positive root, $c = \\frac{2 + \\sqrt{20}}{8}$.",
    ),
    (
        "Find the golden-ratio conjugate: the positive root of $x^2 + x - 1 = 0$.",
        "\\frac{\\sqrt{5} - 1}{2}",
        "By the quadratic formula, $x = \\frac{-1 \\pm \\sqrt{1 + 4}}{2}$.\n\nWe keep the positive sign.",
    ),
    (
        "Solve the inequality $x^2 - 2x - 3 \\geq 0$.",
        "(-\\infty, -1] \\cup [3, \\infty)",
        "Factor: $(x - 3)(x + 1) \\geq 0$.\n\nThe product is nonnegative outside the roots $-1$ and $3$.",
    ),
    (
        "Find all real $x$ with $\\frac{1}{x - 1} > 1$.",
        "(1, 2)",
        "We need $\\frac{1}{x-1} - 1 = \\frac{2 - x}{x - 1} > 0$.\n\n"
        "The sign is positive between the critical points $1$ and $2$.",
    ),
    (
        "Find all triples of positive integers $(a, b, c)$ with $a \\leq b \\leq c$ and $abc = a + b + c$.",
        "(1, 2, 3)",
        "If $a \\geq 2$ then $abc \\geq 4c > a + b + c$, so $a = 1$ and $bc = 1 + b + c$.\n\n"
        "Then $(b - 1)(c - 1) = 2$, so $b = 2$ and $c = 3$.",
    ),
    (
        "Find the area of an equilateral triangle with side $6$.",
        "9\\sqrt{3}",
        "The height is $\\frac{\\sqrt{3}}{2} \\cdot 6 = 3\\sqrt{3}$.\n\n"
        "Area $= \\frac{1}{2} \\cdot 6 \\cdot 3\\sqrt{3}$.",
    ),
    (
        "A circle has circumference $10\\pi$. Find its area.",
        "25\\pi",
        "The radius is $r = \\frac{10\\pi}{2\\pi} = 5$.\n\nThe area is $\\pi r^2 = \\pi \\cdot 25$.",
    ),
    (
        "Find the remainder when $3^{100}$ is divided by $7$.",
        "4",
        "The powers of $3$ mod $7$ are $3, 2, 6, 4, 5, 1$, with period $6$.\n\n"
        "Since $100 = 6 \\cdot 16 + 4$, $3^{100} \\equiv 3^4 \\equiv 81 \\equiv 4$.",
    ),
    (
        "Find $\\lim_{n\\to\\infty} \\left(1 + \\frac{2}{n}\\right)^n$.",
        "e^2",
        "Write $\\left(1 + \\frac{2}{n}\\right)^n = \\left[\\left(1 + \\frac{2}{n}\\right)^{n/2}\\right]^2$.\n\n"
        "The inner limit is $e$.",
    ),
    (
        "Evaluate $\\int_0^1 x e^x \\, dx$.",
        "1",
        "Integrate by parts: $\\int x e^x dx = x e^x - e^x$.\n\nEvaluating from $0$ to $1$: $(e - e) - (0 - 1)$.",
    ),
    (
        "How many ways can $8$ rooks be placed on a chessboard so that none attack each other?",
        "40320",
        "Each row holds exactly one rook and the columns form a permutation.\n\nThere are $8!$ permutations.",
    ),
    (
        "Find the number of positive divisors of $10^6$.",
        "49",
        "$10^6 = 2^6 \\cdot 5^6$.\n\nThe number of divisors is $(6 + 1)(6 + 1)$.",
    ),
    (
        "Find all integers $n \\geq 1$ such that $n! + 1$ is a perfect square, for $n \\leq 7$.",
        "4, 5, 7",
        "We check: $1! + 1 = 2$, $2! + 1 = 3$, $3! + 1 = 7$, $4! + 1 = 25 = 5^2$, $5! + 1 = 121 = 11^2$, "
        "$6! + 1 = 721$, $7! + 1 = 5041 = 71^2$.",
    ),
    (
        "Find the ratio of the areas of the inscribed and circumscribed circles of a square.",
        "1:2",
        "For a square of side $2$, the inscribed radius is $1$ and the circumscribed radius is $\\sqrt{2}$.\n\n"
        "The areas are $\\pi$ and $2\\pi$.",
    ),
    (
        "Find the probability that two fair dice show a sum of $7$.",
        "\\frac{1}{6}",
        "There are $36$ equally likely outcomes.\n\n"
        "The pairs $(1,6), (2,5), (3,4), (4,3), (5,2), (6,1)$ give $6$ favourable outcomes.",
    ),
    (
        "Let $a_1 = 1$ and $a_{n+1} = 2a_n + 1$. Find $a_n$.",
        "2^n - 1",
        "Adding $1$: $a_{n+1} + 1 = 2(a_n + 1)$, so $a_n + 1 = 2^{n-1}(a_1 + 1) = 2^n$.",
    ),
    (
        "Find the maximum of $\\sin x + \\cos x$.",
        "\\sqrt{2}",
        "Write $\\sin x + \\cos x = \\sqrt{2}\\sin\\left(x + \\frac{\\pi}{4}\\right)$.\n\nThe sine is at most $1$.",
    ),
    (
        "Find the angle between the vectors $(1, 0)$ and $(1, 1)$, in degrees.",
        "45^\\circ",
        "$\\cos\\theta = \\frac{(1,0)\\cdot(1,1)}{1 \\cdot \\sqrt{2}} = \\frac{1}{\\sqrt{2}}$.",
    ),
    (
        "Find all real solutions of the system $x + y = 5$, $xy = 6$.",
        "(2, 3), (3, 2)",
        "$x$ and $y$ are the roots of $t^2 - 5t + 6 = 0$, that is $t = 2$ and $t = 3$.",
    ),
    (
        "Find the sum of the interior angles of a convex $n$-gon.",
        "(n-2) \\cdot 180^\\circ",
        "A convex $n$-gon splits into $n - 2$ triangles from one vertex.\n\nEach triangle has angle sum $180^\\circ$.",
    ),
    (
        "Find the smallest $n$ such that any $n$ integers contain two whose difference is divisible by $10$.",
        "11",
        "There are $10$ residues modulo $10$.\n\nBy pigeonhole, $10 + 1$ integers force a repeated residue; "
        "$0, 1, \\dots, 9$ shows $10$ is not enough.",
    ),
    (
        "A train travels $180$ km in $2.5$ hours. Find its average speed.",
        "72 \\text{ km/h}",
        "Average speed is distance over time: $\\frac{180}{2.5}$.",
    ),
    (
        "Find all $n$ for which the $n$-th Fibonacci number $F_n$ is even.",
        "n \\equiv 0 \\pmod 3",
        "Modulo $2$ the Fibonacci numbers go $1, 1, 0, 1, 1, 0, \\dots$ with period $3$.",
    ),
)
