# A mixed Python workload for timing: integers (incl. big ints), strings, dicts, floats,
# classes. Prints a checksum line so runs can be compared for equality as well as speed.
# Optional argument: the work scale in percent (default 100; bench/run --quick passes less).
import math
import sys


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __add__(self, o):
        return Vec(self.x + o.x, self.y + o.y)

    def norm(self):
        return math.sqrt(self.x * self.x + self.y * self.y)


def ints(n):
    s = 0
    for i in range(n):
        s = (s * 31 + i * i) % 1000000007
    return s


def bigints():
    f = 1
    for i in range(1, 1200):
        f *= i
    return len(str(f)), f % 998244353


def strings(n):
    words = {}
    for i in range(n):
        w = "w%d" % (i * 7919 % 1013)
        words[w] = words.get(w, 0) + len(w)
    text = " ".join(sorted(words))
    return len(text), text.count("w1"), sum(words.values())


def floats(n):
    acc = Vec(0.0, 0.0)
    t = 0.0
    for i in range(n):
        a = i * 0.001
        acc = acc + Vec(math.sin(a), math.cos(a))
        t += math.exp(-a) * math.log1p(a)
    return repr(acc.norm()), repr(t)


scale = int(sys.argv[1]) if len(sys.argv) > 1 else 100
print(
    ints(3000 * scale),
    bigints(),
    strings(2000 * scale),
    floats(2000 * scale),
)
