/**
 * Number formatting the way Ceph's C/C++ prints it: printf("%.Nf") on exact
 * binary values (round half to even, unlike Number#toFixed), C++ ostream's
 * default float output (%g, 6 significant digits), and float32 rounding.
 */

/** Round a non-negative rational num/den to an integer, ties to even (exact for num, den < 2^53). */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const rem = num - q * den;
  const twice = rem * 2n;
  if (twice > den || (twice === den && q % 2n === 1n)) return q + 1n;
  return q;
}

/** Exact numerator/denominator of a finite double: v = num / den, den a power of two. */
function exactRational(v: number): { neg: boolean; num: bigint; den: bigint } {
  const neg = v < 0 || Object.is(v, -0);
  let a = Math.abs(v);
  let den = 1n;
  // scale by 2 until integral; a finite double needs at most 1074 doublings
  while (!Number.isInteger(a)) {
    a *= 2;
    den *= 2n;
  }
  return { neg, num: BigInt(a), den };
}

/** printf("%.<digits>f", v) for a finite double. */
export function formatFixed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? (v < 0 ? '-nan' : 'nan') : v < 0 ? '-inf' : 'inf';
  const { neg, num, den } = exactRational(v);
  const scale = 10n ** BigInt(digits);
  const q = roundHalfEven(num * scale, den);
  let s = q.toString();
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = `${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
  }
  return neg ? `-${s}` : s;
}

/** Ceph's print_fixedpoint: a 16.16 weight (as a C int) printed "%.3f" after float division. */
export function formatWeight3(w: number): string {
  return formatFixed(Math.fround(Math.fround(w | 0) / 0x10000), 3);
}

/**
 * printf("%.<precision>g", v) / C++ `ostream << v` with the default
 * precision of 6: shortest of fixed or exponent form, trailing zeros cut.
 * Exact: the digits come from v's binary value, ties rounded to even.
 */
export function formatGeneral(v: number, precision = 6): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v < 0 ? '-inf' : 'inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const p = precision === 0 ? 1 : precision;
  const { exp, digits } = significantDigits(v, p);
  if (exp < -4 || exp >= p) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const s = `${stripZeros(mant)}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
    return v < 0 ? `-${s}` : s;
  }
  return stripZeros(formatFixed(v, p - 1 - exp));
}

/** |v| rounded to p significant digits (ties to even): the digit string and its decimal exponent (%e's X). */
function significantDigits(v: number, p: number): { exp: number; digits: string } {
  const { num, den } = exactRational(v);
  // find e with 10^e <= |v| < 10^(e+1)
  let e = Math.floor(Math.log10(Math.abs(v)));
  const ge = (k: number): boolean =>
    k >= 0 ? num >= den * 10n ** BigInt(k) : num * 10n ** BigInt(-k) >= den;
  while (!ge(e)) e--;
  while (ge(e + 1)) e++;
  const round = (exp: number): bigint => {
    const shift = p - 1 - exp;
    return shift >= 0
      ? roundHalfEven(num * 10n ** BigInt(shift), den)
      : roundHalfEven(num, den * 10n ** BigInt(-shift));
  };
  let scaled = round(e);
  // rounding to p digits may carry into the next power of ten
  if (scaled >= 10n ** BigInt(p)) scaled = round(++e);
  return { exp: e, digits: scaled.toString() };
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}
