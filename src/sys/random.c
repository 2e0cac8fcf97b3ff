/* Counter-based random streams: Random123 Philox4x64-10, keyed by (seed, stream). */
#include <pnlmerandom.h>
#include <Random123/philox.h>
#include <math.h>
#include <float.h>

void PnlmeRNGInit(PnlmeRNG *r, uint64_t seed, uint64_t stream, uint64_t substream)
{
  r->key[0]    = seed;
  r->key[1]    = stream;
  r->ctr[0]    = 0;
  r->ctr[1]    = substream;
  r->ctr[2]    = 0x706e6c6d65ULL; /* "pnlme": separates our streams from other users of the key */
  r->ctr[3]    = 0;
  r->nbuf      = 0;
  r->hasnormal = 0;
  r->normal    = 0;
}

static inline uint64_t Next64(PnlmeRNG *r)
{
  if (!r->nbuf) {
    philox4x64_ctr_t c = {{r->ctr[0], r->ctr[1], r->ctr[2], r->ctr[3]}};
    philox4x64_key_t k = {{r->key[0], r->key[1]}};
    philox4x64_ctr_t o = philox4x64(c, k);
    for (int i = 0; i < 4; i++) r->buf[i] = o.v[i];
    r->ctr[0]++;
    r->nbuf = 4;
  }
  return r->buf[4 - r->nbuf--];
}

double PnlmeRNGUniform(PnlmeRNG *r)
{
  return ((double)(Next64(r) >> 11) + 0.5) * 0x1p-53;
}

double PnlmeRNGUniformRange(PnlmeRNG *r, double a, double b)
{
  return a + (b - a) * PnlmeRNGUniform(r);
}

int64_t PnlmeRNGInteger(PnlmeRNG *r, int64_t lo, int64_t hi)
{
  uint64_t span = (uint64_t)(hi - lo) + 1, lim, x;
  if (span == 0) return (int64_t)Next64(r);
  lim = UINT64_MAX - UINT64_MAX % span; /* rejection: no modulo bias */
  do x = Next64(r);
  while (x >= lim);
  return lo + (int64_t)(x % span);
}

double PnlmeRNGNormal(PnlmeRNG *r)
{
  double u1, u2, rad;
  if (r->hasnormal) {
    r->hasnormal = 0;
    return r->normal;
  }
  u1           = PnlmeRNGUniform(r);
  u2           = PnlmeRNGUniform(r);
  rad          = sqrt(-2.0 * log(u1));
  r->normal    = rad * sin(2.0 * M_PI * u2);
  r->hasnormal = 1;
  return rad * cos(2.0 * M_PI * u2);
}

/* Normal and exponential variates by the ziggurat method (Marsaglia & Tsang, J. Stat. Softw. 5(8),
   2000) with 256 layers of equal area v under the density f (f(x) = exp(-x^2/2) for the normal's half,
   exp(-x) for the exponential): layer i >= 1 is the box [0, x_i] x [f(x_i), f(x_{i+1})], layer 0 the box
   [0, r] x [0, f(r)] plus the tail beyond r, given the width x_0 = v / f(r).  One 64-bit word gives the
   layer (bits 0-7), the sign (bit 8) and the uniform (bits 11-63, 53 bits): separate bits, so the
   uniform is independent of the layer (Doornik 2005).  A point inside the next layer's width (98.5 %
   of the normal's words, 97.8 % of the exponential's) is returned at once; otherwise the wedge is tested
   against f, and the tail is drawn exactly (Marsaglia 1964 for the normal, memorylessness for the
   exponential).  Compared with Box-Muller (a log, a square root and a sincos per pair) a variate costs
   one multiplication and one comparison most of the time: the SAEM kernels draw with these
   (docs/speed.md); PnlmeRNGNormal stays Box-Muller, so that a simulated cohort and every other stream
   keep their values from one version to the next.
   The tables are computed once, at the first draw (a process-wide static: pnlme runs one thread per
   MPI rank), r by bisection so that the 255 layers above the base close exactly at f(0) = 1 (no
   rounded constants). */
typedef struct {
  double x[257], f[257], r;
} Ziggurat;

static Ziggurat zn, ze;
static int      zig_ready = 0;

static double ZigF(int normal, double x) { return normal ? exp(-0.5 * x * x) : exp(-x); }
static double ZigFInv(int normal, double y) { return normal ? sqrt(-2.0 * log(y)) : -log(y); }
/* area of each layer when the base ends at r: the box r f(r) plus the tail */
static double ZigArea(int normal, double r) { return normal ? r * exp(-0.5 * r * r) + sqrt(M_PI / 2) * erfc(r / M_SQRT2) : (r + 1.0) * exp(-r); }

/* the widths from x_1 = r up; returns > 0 when the layers reach the top too soon (r too small) */
static double ZigBuild(int normal, double r, Ziggurat *z)
{
  double v = ZigArea(normal, r);
  z->r    = r;
  z->x[0] = v / ZigF(normal, r);
  z->x[1] = r;
  for (int i = 1; i < 255; i++) {
    double y = ZigF(normal, z->x[i]) + v / z->x[i];
    if (!(y < 1.0)) return 1.0;
    z->x[i + 1] = ZigFInv(normal, y);
  }
  z->x[256] = 0.0;
  for (int i = 0; i <= 256; i++) z->f[i] = i ? ZigF(normal, z->x[i]) : 0.0;
  return ZigF(normal, z->x[255]) + v / z->x[255] - 1.0;
}

static void ZigSetUp(int normal, double lo, double hi, Ziggurat *z)
{
  for (int it = 0; it < 200 && hi - lo > 4 * DBL_EPSILON * hi; it++) {
    double mid = 0.5 * (lo + hi);
    if (ZigBuild(normal, mid, z) > 0) lo = mid;
    else hi = mid;
  }
  (void)ZigBuild(normal, hi, z); /* x_256 = 0: f_256 = 1 */
}

static inline void ZigReady(void)
{
  if (zig_ready) return;
  ZigSetUp(1, 3.0, 4.5, &zn); /* r = 3.65415288536101 */
  ZigSetUp(0, 6.0, 9.0, &ze); /* r = 7.69711747013105 */
  zig_ready = 1;
}

double PnlmeRNGZigguratNormal(PnlmeRNG *r)
{
  ZigReady();
  for (;;) {
    uint64_t w = Next64(r);
    unsigned i = (unsigned)(w & 0xff);
    double   x = (double)(w >> 11) * 0x1p-53 * zn.x[i], s = (w & 0x100) ? -1.0 : 1.0;
    if (x < zn.x[i + 1]) return s * x;
    if (i == 0) { /* the tail beyond r */
      double a, b;
      do {
        a = -log(PnlmeRNGUniform(r)) / zn.r;
        b = -log(PnlmeRNGUniform(r));
      } while (b + b < a * a);
      return s * (zn.r + a);
    }
    if (zn.f[i] + PnlmeRNGUniform(r) * (zn.f[i + 1] - zn.f[i]) < ZigF(1, x)) return s * x;
  }
}

double PnlmeRNGExponential(PnlmeRNG *r)
{
  double shift = 0.0;
  ZigReady();
  for (;;) {
    uint64_t w = Next64(r);
    unsigned i = (unsigned)(w & 0xff);
    double   x = (double)(w >> 11) * 0x1p-53 * ze.x[i];
    if (x < ze.x[i + 1]) return shift + x;
    if (i == 0) { /* beyond r the law is r + Exp(1) */
      shift += ze.r;
      continue;
    }
    if (ze.f[i] + PnlmeRNGUniform(r) * (ze.f[i + 1] - ze.f[i]) < ZigF(0, x)) return shift + x;
  }
}

/* Gamma(shape, 1) by Marsaglia & Tsang (ACM TOMS 26, 2000): one normal and one uniform per try,
   about 1.02 tries for shape >= 1; shape < 1 through Gamma(shape + 1) U^(1/shape) */
double PnlmeRNGGamma(PnlmeRNG *r, double shape)
{
  double boost = 1.0, d, c;
  if (!(shape > 0)) return NAN;
  if (shape < 1) {
    boost = pow(PnlmeRNGUniform(r), 1.0 / shape);
    shape += 1;
  }
  d = shape - 1.0 / 3.0;
  c = 1.0 / sqrt(9.0 * d);
  for (;;) {
    double x = PnlmeRNGNormal(r), v = 1.0 + c * x, u;
    if (v <= 0) continue;
    v = v * v * v;
    u = PnlmeRNGUniform(r);
    if (u < 1.0 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1.0 - v + log(v))) return boost * d * v;
  }
}

/* Wichura, Algorithm AS 241 (PPND16), Appl. Statist. 37 (1988) */
double PnlmeNormalQuantile(double p)
{
  double q = p - 0.5, r, val;
  if (!(p > 0 && p < 1)) return p == 0 ? -INFINITY : (p == 1 ? INFINITY : NAN);
  if (fabs(q) <= 0.425) {
    r = 0.180625 - q * q;
    return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r + 133.14166789178437745) * r + 3.387132872796366608) /
           (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r + 42.313330701600911252) * r + 1.0);
  }
  r = q < 0 ? p : 1.0 - p;
  r = sqrt(-log(r));
  if (r <= 5.0) {
    r -= 1.6;
    val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r + 4.6303378461565452959) * r + 1.42343711074968357734) /
          (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r + 2.05319162663775882187) * r + 1.0);
  } else {
    r -= 5.0;
    val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r + 5.4637849111641143699) * r + 6.6579046435011037772) /
          (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r + 0.59983220655588793769) * r + 1.0);
  }
  return q < 0 ? -val : val;
}

double PnlmeRNGTruncNormal(PnlmeRNG *r, double mean, double sd, double lo, double hi)
{
  double a = (lo - mean) / sd, b = (hi - mean) / sd, pa, pb, u;
  /* work in the tail that keeps precision: reflect when both bounds are in the upper tail */
  if (a > 0) {
    pa = 0.5 * erfc(a / M_SQRT2);
    pb = 0.5 * erfc(b / M_SQRT2);
    u  = pb + (pa - pb) * PnlmeRNGUniform(r);
    return mean - sd * PnlmeNormalQuantile(u);
  }
  pa = 0.5 * erfc(-a / M_SQRT2);
  pb = 0.5 * erfc(-b / M_SQRT2);
  u  = pa + (pb - pa) * PnlmeRNGUniform(r);
  double x = mean + sd * PnlmeNormalQuantile(u);
  return x < lo ? lo : (x > hi ? hi : x);
}
