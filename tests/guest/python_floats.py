# Run by tests/debian_e2e.rs under the Debian arm64 python3.11: a float-heavy workout of
# the FP and SIMD code paths of the interpreter and of libm (issue 3). Every line must be
# byte-identical to the oracle's output.
#
#   python_floats.py portable   only results that IEEE 754 and Python define exactly
#                               (correctly rounded operations, repr, formatting, struct,
#                               float.hex, fractions, decimal): these must also match the
#                               host's python3, whatever its CPU.
#   python_floats.py all        the above (printed first, identically) plus libm's
#                               transcendental functions, whose last bit may legitimately
#                               differ between glibc's x86-64 and arm64 builds (erfc and
#                               cbrt do): compared with qemu-aarch64 only.
import math
import struct
import sys
from decimal import Decimal, getcontext, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_DOWN, ROUND_CEILING
from fractions import Fraction


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def from_bits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


def lcg_doubles(n, seed):
    # Deterministic bit patterns across the whole double range (no NaNs: repr of a NaN
    # hides its payload, which is checked separately below).
    out = []
    state = seed
    while len(out) < n:
        state = (state * 6364136223846793005 + 1442695040888963407) % 2 ** 64
        x = from_bits(state)
        if not math.isnan(x):
            out.append(x)
    return out


SPECIAL = [
    0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.5, -2.5, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 1e16, 1e22, 1e23,
    5e-324, 1e-323, 2.2250738585072009e-308, 2.2250738585072014e-308, 1.7976931348623157e308,
    9007199254740993.0, 4503599627370495.5, 123456789.123456789, math.pi, math.e, math.tau,
    float("inf"), float("-inf"), 0.30000000000000004, 1.0000000000000002, 0.9999999999999999,
]


def reprs():
    print("repr special", [repr(x) for x in SPECIAL])
    values = lcg_doubles(300, 12345)
    print("repr lcg", " ".join(repr(x) for x in values[:60]))
    print("round trip", all(float(repr(x)) == x for x in values))
    print("str", [str(x) for x in values[60:80]])
    print("hex", [x.hex() for x in SPECIAL[:28]], [float.fromhex(x.hex()) == x for x in values[:50]].count(True))
    print("fromhex", float.fromhex("0x1.fffffffffffffp+1023"), float.fromhex("0x0.0000000000001p-1022"),
          float.fromhex("0x1.00000000000008p+0"), float.fromhex("0x1.00000000000018p+0"), float.fromhex("-0x1p-1075"))
    print("int ratio", [x.as_integer_ratio() for x in [0.1, -2.5, 1e300, 5e-324]])


def formatting():
    for x in [0.0, -0.0, 1.5, 2.5, 0.125, 1e-7, 123456.789, 1e21, 1.7976931348623157e308, 5e-324, 2 / 3, 1e16 + 1]:
        print("fmt", "%.0f|%.1f|%.17g|%e|%.3e|%g|%.12g" % (x, x, x, x, x, x, x),
              f"{x:.3%}|{x:,.2f}|{x:>12.4}|{x:+.5g}|{x:_}")
    print("round", round(2.675, 2), round(0.125, 2), round(0.375, 2), round(-0.5), round(1.5), round(2.5),
          round(1e300, -298), round(123.456, -1), round(5e-324, 323))
    print("big", "%.0f" % 1e300, "%.30f" % 0.1, "%.40e" % 5e-324, "%.25g" % (2 / 3))
    print("int conversion", int(1e18), int(-2.9), int(9007199254740993.0), int(1.7976931348623157e308) % 1000003,
          float(2 ** 53 + 1), float(2 ** 1023 * 3 // 2), float(-(2 ** 64) + 1), float(10 ** 22 + 1))
    try:
        float(2 ** 1024)
    except OverflowError as error:
        print("overflow", error)


def arithmetic():
    values = lcg_doubles(200, 999)
    acc = []
    for a, b in zip(values[::2], values[1::2]):
        acc.append(bits(a + b) ^ bits(a - b) ^ bits(a * b) ^ bits(a / b if b else 0.0))
    print("ops xor", hex(sum(acc) % 2 ** 64))
    near_one = [1.0 + k * 2 ** -52 for k in range(-4, 5)]
    print("near one", [repr(a * b) for a in near_one for b in near_one][:20])
    print("sqrt", [repr(math.sqrt(x)) for x in [2.0, 3.0, 1e-310, 1.7976931348623157e308, 0.5, 10.0, 1 - 2 ** -53]])
    print("fma-ish", repr(0.1 * 3 - 0.3), repr((1e16 + 1.0) - 1e16), repr(1e308 * 10 / 10), repr(5e-324 / 2))
    print("divmod", divmod(7.5, 2), divmod(-7.5, 2), divmod(7.5, -2), 1e300 % 3.0, -0.0 % 5, math.fmod(-7.5, 2),
          math.remainder(7.5, 2), math.remainder(10.0, 3.0), 2.0 ** -1074)
    print("pow", 2.0 ** 0.5, 10.0 ** -5, (-2.0) ** 3, 0.0 ** 0, 1.0000001 ** 1e7 > 2.7, pow(2.0, 1023), 4.0 ** 0.5)
    print("fsum", math.fsum([0.1] * 10), math.fsum([1e100, 1.0, -1e100, 1e-100]), sum([0.1] * 10),
          math.prod([1.1, 2.2, 3.3]), math.fsum(values[:100]))
    print("exact", math.floor(-2.5), math.ceil(-2.5), math.trunc(-2.5), math.modf(-3.75), math.frexp(1e-310),
          math.ldexp(0.75, -1074), math.ldexp(1.0, 1023), math.copysign(3, -0.0), math.nextafter(1.0, 2.0),
          math.nextafter(0.0, -1.0), math.ulp(1e300), math.ulp(5e-324), math.isqrt(10 ** 30), math.hypot(3e200, 4e200))
    print("compare", 0.1 + 0.2 == 0.3, math.isclose(0.1 + 0.2, 0.3), -0.0 == 0.0, float("nan") == float("nan"),
          sorted([3.5, -0.0, 0.0, -1e-310, float("inf"), float("-inf"), 2.5]), max(0.0, -0.0), min(-0.0, 0.0))
    series = 0.0
    for k in range(1, 5000):
        series += (-1.0) ** (k + 1) / k
    print("series", repr(series), repr(sum(1.0 / k ** 2 for k in range(1, 5000))))


def nan_payloads():
    patterns = [0x7FF8000000000000, 0x7FF8000000000001, 0xFFF8DEADBEEF0000, 0x7FF0000000000001,
                0x7FF4000000000000, 0xFFF0000000ABCDEF, 0x7FFFFFFFFFFFFFFF]
    for p in patterns:
        x = from_bits(p)
        out = [hex(bits(x)), hex(struct.unpack("<I", struct.pack("<f", x))[0]),
               struct.pack("<e", x).hex(), struct.pack(">d", x).hex(), math.isnan(x), repr(x)]
        print("nan", hex(p), out)
    single_patterns = [0x7FC00000, 0x7FC00001, 0xFF800001, 0x7FA00000, 0x7F800001, 0xFFFFFFFF]
    for p in single_patterns:
        x = struct.unpack("<f", struct.pack("<I", p))[0]
        print("nan32", hex(p), hex(bits(x)), hex(struct.unpack("<I", struct.pack("<f", x))[0]))


def struct_formats():
    values = SPECIAL + lcg_doubles(40, 7) + [65504.0, 65519.99, 65520.0, 6.1e-05, 6.0e-08, 2.98e-08, 5.96e-08,
                                             1.0009765625, 1.00048828125, 1.00146484375, 3.4028235e38, 1.4e-45]
    for fmt in ["<d", ">d", "<f", ">f", "<e", ">e"]:
        packed = []
        for x in values:
            try:
                packed.append(struct.pack(fmt, x).hex())
            except (OverflowError, struct.error) as error:
                packed.append(type(error).__name__)
        print("pack", fmt, " ".join(packed))
    for fmt, size in [("<f", 4), ("<e", 2)]:
        out = []
        for b in range(0, 2 ** (8 * size), 2 ** (8 * size) // 97 + 1):
            x = struct.unpack(fmt, b.to_bytes(size, "little"))[0]
            out.append("nan" if math.isnan(x) else repr(x))
        print("unpack", fmt, " ".join(out))
    print("half ties", [struct.pack("<e", 1.0 + k * 2 ** -11).hex() for k in range(8)])
    print("float32 ties", [struct.pack("<f", 1.0 + k * 2 ** -24).hex() for k in range(8)])


def fractions_and_decimal():
    print("fraction", Fraction(0.1), Fraction(1, 3) + Fraction(1, 6), Fraction(math.pi).limit_denominator(1000),
          float(Fraction(1, 3)), Fraction("3.1415926535"), Fraction(2.5).as_integer_ratio(), Fraction(5e-324).denominator.bit_length())
    print("fraction float", [float(Fraction(k, 7)) for k in range(1, 8)], Fraction(1, 10 ** 400) < 1e-300)
    getcontext().prec = 50
    print("decimal", Decimal(2).sqrt(), Decimal(1) / Decimal(7), Decimal(0.1), Decimal("1.05").quantize(Decimal("0.1")),
          Decimal(1).exp(), Decimal("2.5").to_integral_value(),
          Decimal("1e-5") + Decimal(1e16), float(Decimal("0.1")), Decimal.from_float(5e-324).adjusted())
    for rounding in [ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_DOWN, ROUND_CEILING]:
        print("quantize", rounding, [str(Decimal(x).quantize(Decimal("0.01"), rounding=rounding)) for x in ["2.675", "-2.665", "0.005", "1.115"]])
    print("decimal ops", Decimal(2) ** Decimal("0.5"), Decimal(10).log10(), Decimal(2).ln(), Decimal("-0") + Decimal("0"))


def transcendental():
    # libm: last-bit differences between glibc builds are allowed, so not in "portable".
    xs = [0.5, 1.0, 2.0, 10.0, 1e-10, 1e10, 0.7853981633974483, 3.0, -1.5, 100.0, 1e-300]
    for name in ["exp", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan", "atan", "sinh", "cosh",
                 "tanh", "asinh", "erf", "erfc", "gamma", "lgamma", "cbrt", "exp2"]:
        f = getattr(math, name)
        row = []
        for x in xs:
            try:
                row.append(repr(f(x)))
            except (ValueError, OverflowError) as error:
                row.append(type(error).__name__)
        print(name, " ".join(row))
    print("two args", [repr(math.atan2(y, x)) for y, x in [(1, 1), (-0.0, -1), (1e-300, 1e300), (3, -4)]],
          [repr(math.pow(x, y)) for x, y in [(2, 0.5), (10, -3.3), (1.0000001, 1e6), (0.5, 1074)]],
          repr(math.dist((1.5, 2.5, 3.5), (-1, 0.25, 9))), repr(math.acos(0.3)), repr(math.asin(-0.99)))
    import random
    r = random.Random(2024)
    print("random", [repr(r.random()) for _ in range(5)], repr(r.gauss(0, 1)), repr(r.uniform(-1e6, 1e6)))
    import statistics
    data = [r.random() * 100 for _ in range(500)]
    print("statistics", repr(statistics.mean(data)), repr(statistics.stdev(data)), repr(statistics.median(data)),
          repr(statistics.fmean(data)), repr(statistics.geometric_mean([1.5, 2.5, 3.5])))


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    reprs()
    formatting()
    arithmetic()
    nan_payloads()
    struct_formats()
    fractions_and_decimal()
    if which == "all":
        transcendental()


main()
