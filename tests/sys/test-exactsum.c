/* Exact sums are independent of the order of additions and of the number of ranks. */
#include <pnlmetest.h>
#include <float.h>

/* the decomposition x = (m 2^53) 2^(e-53) by frexp and ldexp, term by term (the split
   PnlmeExactSumAdd makes from the bits of x): the same limbs */
static void ReferenceAdd(PnlmeExactSum *s, double x)
{
  int      e, b, k, r;
  int64_t  M, sign;
  uint64_t a0, a1;
  if (x == 0.0) return;
  if (!isfinite(x) || fabs(x) > 0x1p600) {
    s->special = 1;
    return;
  }
  if (fabs(x) < 0x1p-588) return;
  M    = (int64_t)ldexp(frexp(x, &e), 53);
  sign = M < 0 ? -1 : 1;
  a0   = (uint64_t)(M < 0 ? -M : M);
  a1   = a0 >> 32;
  a0 &= 0xffffffffULL;
  b = e - 53 + 640;
  k = b >> 5;
  r = b & 31;
  s->limb[k] += sign * (int64_t)((a0 << r) & 0xffffffffULL);
  s->limb[k + 1] += sign * (int64_t)(((a0 << r) >> 32) + ((a1 << r) & 0xffffffffULL));
  s->limb[k + 2] += sign * (int64_t)((a1 << r) >> 32);
  s->nadd++;
}

static PetscErrorCode Run(void)
{
  PetscMPIInt   rank, size;
  PnlmeExactSum s[2], serial;
  const int     N = 100000;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PnlmeExactSumReset(s, 2);
  PnlmeExactSumReset(&serial, 1);
  /* terms of wildly different magnitudes, cyclically distributed */
  for (int i = 0; i < N; i++) {
    double x = sin(1.0 + i) * pow(10.0, (i % 17) - 8) + ((i % 1000) == 0 ? 1e12 : 0.0) - ((i % 1000) == 1 ? 1e12 : 0.0);
    PnlmeExactSumAdd(&serial, x);
    if (i % size == rank) PnlmeExactSumAdd(&s[0], x);
    if ((N - 1 - i) % size == rank) PnlmeExactSumAdd(&s[1], x); /* another partition */
  }
  PetscCall(PnlmeExactSumAllreduce(PETSC_COMM_WORLD, 2, s));
  double a = PnlmeExactSumValue(&s[0]), b = PnlmeExactSumValue(&s[1]), c = PnlmeExactSumValue(&serial);
  PNLME_TEST_CHECK(a == b && a == c, "exact sums differ: %.17g %.17g %.17g", a, b, c);
  /* a sum whose naive evaluation loses everything: 1e100 + 1 - 1e100 */
  PnlmeExactSum t;
  PnlmeExactSumReset(&t, 1);
  PnlmeExactSumAdd(&t, 1e100);
  PnlmeExactSumAdd(&t, 1.0);
  PnlmeExactSumAdd(&t, -1e100);
  PNLME_TEST_CHECK(PnlmeExactSumValue(&t) == 1.0, "1e100 + 1 - 1e100 gave %g", PnlmeExactSumValue(&t));
  PnlmeExactSumReset(&t, 1);
  PnlmeExactSumAdd(&t, -3.25);
  PnlmeExactSumAdd(&t, 0.125);
  PNLME_TEST_CHECK(PnlmeExactSumValue(&t) == -3.125, "negative sum gave %g", PnlmeExactSumValue(&t));
  PnlmeExactSumAdd(&t, NAN);
  PNLME_TEST_CHECK(isnan(PnlmeExactSumValue(&t)), "NaN term must poison the sum");
  /* term by term, the limbs of the frexp/ldexp split, at the edges of the range too */
  {
    const double edge[] = {0x1p600, -0x1p600, nextafter(0x1p600, INFINITY), 0x1p-600, -0x1p-600, nextafter(0x1p-600, 0), 0x1p-588, -0x1p-588, nextafter(0x1p-588, 0), 0x1.8p-595, 0x1.fffffffffffffp-1, -0x1p-1022 * 0.5, -0.0, 1.0, -1.0, 1e300, INFINITY, NAN, DBL_MAX, DBL_MIN, 3.0e-181, -7.5e177};
    const int    ne     = (int)(sizeof edge / sizeof edge[0]);
    for (int i = 0; i < 20000 + ne; i++) {
      PnlmeExactSum u, v;
      const double  x = i < ne ? edge[i] : (sin(3.0 + i) * pow(2.0, (double)((i * 7919) % 1201) - 600.0));
      PnlmeExactSumReset(&u, 1);
      PnlmeExactSumReset(&v, 1);
      PnlmeExactSumAdd(&u, 12345.678);
      ReferenceAdd(&v, 12345.678);
      PnlmeExactSumAdd(&u, x);
      ReferenceAdd(&v, x);
      PNLME_TEST_CHECK(u.special == v.special, "term %.17g: special %d, reference %d", x, u.special, v.special);
      for (int k = 0; k < PNLME_EXACTSUM_LIMBS; k++) PNLME_TEST_CHECK(u.limb[k] == v.limb[k], "term %.17g: limb %d differs from the frexp/ldexp split", x, k);
    }
  }
  /* a term at the bottom of the range stays in its own sum: before 2026-12-04 one in [2^-600, 2^-588)
     (a variance of 1e-178, an error parameter gone to 0) was written before the limbs, into the sum
     before it in memory */
  {
    PnlmeExactSum w[3];
    const double  tiny[] = {0x1p-600, 0x1.8p-595, nextafter(0x1p-588, 0), 0x1p-588, 0x1.2p-580};
    for (int i = 0; i < 5; i++) {
      PnlmeExactSumReset(w, 3);
      PnlmeExactSumAdd(&w[0], 1.0);
      PnlmeExactSumAdd(&w[1], tiny[i]);
      PnlmeExactSumAdd(&w[1], -tiny[i]);
      PnlmeExactSumAdd(&w[1], tiny[i]);
      PNLME_TEST_CHECK(PnlmeExactSumValue(&w[0]) == 1.0 && !w[0].special && w[0].nadd == 1, "the term %a changed the sum before it: %g", tiny[i], PnlmeExactSumValue(&w[0]));
      PNLME_TEST_CHECK(PnlmeExactSumValue(&w[1]) == (fabs(tiny[i]) < 0x1p-588 ? 0.0 : tiny[i]), "the term %a: sum %a", tiny[i], PnlmeExactSumValue(&w[1]));
      PNLME_TEST_CHECK(PnlmeExactSumValue(&w[2]) == 0.0, "the term %a changed the sum after it", tiny[i]);
    }
  }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "exact sum %.17g identical for 2 partitions and serial\n", a));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "exact sum test", Run); }
