# Run by tests/debian_e2e.rs under the Debian arm64 python3.11 (emu vs qemu-aarch64): a
# broad, deterministic workout of the interpreter. Every line must be byte-identical.
import json
import sys


def integers():
    print("ints", 7 * 6, -7 // 2, -7 % 3, 2 ** 64, (2 ** 127 - 1) % 1000003, 1 << 100 >> 37)
    fact = 1
    for i in range(1, 60):
        fact *= i
    print("59!", fact, len(str(fact)), fact.bit_length())
    print("pow mod", pow(3, 10 ** 18, 10 ** 9 + 7), pow(12345678901234567890, -1, 1000000007))
    print("hex", hex(-255), oct(8), bin(10), int("ff", 16), int("-0b101", 0), (255).to_bytes(4, "big"))
    print("divmod", divmod(10 ** 30 + 7, 97), divmod(-17, 5), abs(-3), round(2.5), round(3.5))


def floats():
    values = [0.1 + 0.2, 1 / 3, 2.0 ** 0.5, 1e300 * 1e10, -0.0, 5e-324, 123456789.123456789]
    print("repr", [repr(v) for v in values])
    print("format", "%.3f %e %g %10.4f" % (3.14159, 12345.678, 0.0001, -2.5), f"{1/7:.12f}")
    print("math", float("1e-5"), 7.0 // 2, 7.5 % 2, (-7.5).__divmod__(2), float("nan") != float("nan"))
    total = 0.0
    for i in range(1, 10000):
        total += 1.0 / (i * i)
    print("sum", repr(total), repr(sum(x * 0.5 for x in range(1000))))
    print("int/float", int(1e18), int(-2.9), float(2 ** 70), 10 ** 20 / 3)


def strings():
    s = "The quick brown fox jumps over the lazy dog"
    print(s.upper(), s.lower().count("o"), s.split()[::2], s.replace("o", "0", 2))
    print("-".join(sorted(set(s.lower()) - {" "})), s.find("fox"), s[4:9], s[::-1][:10])
    print("unicode", "héllo wörld".encode("utf-8"), len("日本語"), "ß".upper(), "ǅ".lower(), ascii("π"))
    print("format {:>8}|{:<6}|{:^7}|{:08.3f}".format("right", "left", "mid", 3.14159))
    words = [w.strip(".,") for w in (s + ". And again, the dog.").split()]
    counts = {}
    for w in words:
        counts[w.lower()] = counts.get(w.lower(), 0) + 1
    print("counts", sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5])


def containers():
    d = {i: i * i for i in range(20)}
    del d[5]
    d["x"] = [1, 2, {"nested": (3, 4)}]
    print("dict", len(d), list(d.items())[:4], d.get(5, "missing"), 19 in d)
    print("sorted", sorted([5, -1, 3, 3, 10, 0], reverse=True), sorted(["b", "A", "c", "a"], key=str.lower))
    print("set", sorted({1, 2, 3} ^ {3, 4}), frozenset("aab") == frozenset("ab"))
    print("comprehension", [x * y for x in range(4) for y in range(x) if (x + y) % 2])
    print("zip", list(zip("abc", range(10))), list(enumerate("xy", start=5)), list(map(abs, [-1, 2])))


class Shape:
    def __init__(self, name):
        self.name = name

    def area(self):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r}, area={self.area():.4f})"


class Square(Shape):
    def __init__(self, side):
        super().__init__("square")
        self.side = side

    def area(self):
        return self.side ** 2


class Circle(Shape):
    def __init__(self, r):
        super().__init__("circle")
        self.r = r

    def area(self):
        return 3.141592653589793 * self.r ** 2


def classes_and_exceptions():
    shapes = sorted([Square(3), Circle(1.5), Square(1.25)], key=lambda s: s.area())
    print("classes", shapes, isinstance(shapes[0], Shape))
    for action in (lambda: 1 / 0, lambda: [][3], lambda: {}["k"], lambda: int("x"), lambda: Shape("s").area()):
        try:
            action()
        except Exception as e:  # noqa: BLE001 - the type is what is being printed
            print("caught", type(e).__name__, e)
    try:
        try:
            raise ValueError("inner")
        except ValueError as e:
            raise KeyError("outer") from e
    except KeyError as e:
        print("chained", repr(e), repr(e.__cause__))
    finally:
        print("finally ran")

    def gen(n):
        for i in range(n):
            yield i * i
    print("generator", list(gen(6)), sum(gen(1000)))


def json_round_trip():
    data = {"name": "emu", "version": [0, 1], "ratio": 0.75, "ok": True, "none": None,
            "nested": {"list": [1, 2.5, "three", {"four": 4}], "empty": {}}, "unicode": "ü€"}
    text = json.dumps(data, sort_keys=True)
    print("json", text)
    print("json pretty", json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False).count("\n"))
    print("json equal", json.loads(text) == data, json.loads("[1e400, -0.0, 1.5e-7]"))


integers()
floats()
strings()
containers()
classes_and_exceptions()
json_round_trip()
print("exit with status 5")
sys.exit(5)
