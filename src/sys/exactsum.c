/* Exact summation in wide fixed point: order- and partition-independent sums of doubles.
   A term x = M 2^(e-53) (|M| < 2^53) is added to 32-bit digits held in int64 limbs; carries are
   propagated lazily.  Terms of magnitude below 2^-588 are dropped (the lowest bit of a term's 53-bit
   significand must fall in limb 0, of weight 2^-640: below 2^-588 it fell under it, and the addition
   wrote before the limbs, into the neighbouring sum); above 2^600 or non-finite ones make the sum NaN. */
#include <pnlmesys.h>
#include <math.h>
#include <string.h>

#define LIMBS  PNLME_EXACTSUM_LIMBS
#define OFFSET 640 /* bit 0 of limb 0 has weight 2^-640 */
#define MASK32 0xffffffffLL

static void Normalize(PnlmeExactSum *s)
{
  int64_t carry = 0;
  for (int k = 0; k < LIMBS; k++) {
    int64_t v = s->limb[k] + carry;
    carry      = v >> 32; /* arithmetic shift: floor division */
    s->limb[k] = v - carry * (1LL << 32);
  }
  s->limb[LIMBS - 1] += carry * (1LL << 32); /* top limb keeps the sign */
  s->nadd = 0;
}

void PnlmeExactSumReset(PnlmeExactSum *s, PetscInt n)
{
  for (PetscInt i = 0; i < n; i++) {
    for (int k = 0; k < LIMBS; k++) s[i].limb[k] = 0;
    s[i].nadd    = 0;
    s[i].special = 0;
  }
}

/* x = M 2^(E-1075) with M the significand and E the biased exponent, read from the bits (the terms kept
   are normal numbers): the frexp/ldexp split of earlier versions without its two library calls, the
   same limbs */
void PnlmeExactSumAdd(PnlmeExactSum *s, PetscReal x)
{
  const uint64_t hi = 0x6570000000000000ULL, lo = 0x1b30000000000000ULL; /* the bits of 2^600, 2^-588 */
  uint64_t       bits, mag, a0, a1;
  int64_t        sign;
  int            b, k, r;

  memcpy(&bits, &x, sizeof bits);
  mag = bits & 0x7fffffffffffffffULL;
  if (mag > hi) { /* beyond 2^600, infinite or NaN */
    s->special = 1;
    return;
  }
  if (mag < lo) return; /* below 2^-588, zero included */
  sign = (bits >> 63) ? -1 : 1;
  a0   = (mag & 0x000fffffffffffffULL) | 0x0010000000000000ULL;
  a1   = a0 >> 32;
  a0 &= MASK32;
  b = (int)(mag >> 52) - 1075 + OFFSET;
  k = b >> 5;
  r = b & 31;
  s->limb[k] += sign * (int64_t)((a0 << r) & MASK32);
  s->limb[k + 1] += sign * (int64_t)(((a0 << r) >> 32) + ((a1 << r) & MASK32));
  s->limb[k + 2] += sign * (int64_t)((a1 << r) >> 32);
  if (++s->nadd >= (1 << 28)) Normalize(s);
}

PetscReal PnlmeExactSumValue(PnlmeExactSum *s)
{
  PnlmeExactSum t = *s;
  double        v = 0, sgn = 1;
  if (t.special) return NAN;
  Normalize(&t);
  if (t.limb[LIMBS - 1] < 0) { /* negate to get the magnitude */
    for (int k = 0; k < LIMBS; k++) t.limb[k] = -t.limb[k];
    Normalize(&t);
    sgn = -1;
  }
  int top = LIMBS - 1;
  while (top > 0 && t.limb[top] == 0) top--;
  /* three digits give 64+ significant bits; add small to large: deterministic for a given state */
  for (int k = (top >= 2 ? top - 2 : 0); k <= top; k++) v += ldexp((double)t.limb[k], 32 * k - OFFSET);
  return sgn * v;
}

/* On one rank the sums are already complete: nothing to exchange, and PnlmeExactSumValue normalises a
   copy, so the values are those after the exchange (the normalised limbs of a value are unique); the
   SAEM iterations of a one-rank theophylline fit spent 2 % of their instructions here */
PetscErrorCode PnlmeExactSumAllreduce(MPI_Comm comm, PetscInt n, PnlmeExactSum sums[])
{
  int64_t    *buf, *out;
  PetscMPIInt size;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (size == 1) PetscFunctionReturn(0);
  PetscCall(PetscMalloc2(n * (LIMBS + 1), &buf, n * (LIMBS + 1), &out));
  for (PetscInt i = 0; i < n; i++) {
    Normalize(&sums[i]);
    for (int k = 0; k < LIMBS; k++) buf[i * (LIMBS + 1) + k] = sums[i].limb[k];
    buf[i * (LIMBS + 1) + LIMBS] = sums[i].special;
  }
  PetscCallMPI(MPI_Allreduce(buf, out, (PetscMPIInt)(n * (LIMBS + 1)), MPI_INT64_T, MPI_SUM, comm));
  for (PetscInt i = 0; i < n; i++) {
    for (int k = 0; k < LIMBS; k++) sums[i].limb[k] = out[i * (LIMBS + 1) + k];
    sums[i].special = out[i * (LIMBS + 1) + LIMBS] ? 1 : 0;
    Normalize(&sums[i]);
  }
  PetscCall(PetscFree2(buf, out));
  PetscFunctionReturn(0);
}
