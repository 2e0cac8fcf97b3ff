/* PnlmeSim: covariate distributions, the written (rounded) values, transforms and their collective means.
   A covariate value is rounded to what the CSV holds, so the simulation uses exactly the values a
   reader will see, and the means of the transforms are the reader's: exact sums over all subjects. */
#include "sim/simimpl.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Decimal rounding to `digits` significant digits, fast and exact in what matters: the value of the
   printed text is D x 10^-s with an integer D < 10^15 and |s| <= 22, so fl(D x 10^-s) (one correctly
   rounded operation on exact operands) is precisely what strtod returns for the text.  Outside that
   range (or above 15 digits) printf and strtod are used. */
static const double Pow10[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* |x| ~ D x 10^(e - digits + 1) with 10^(digits-1) <= D < 10^digits, D the correctly rounded (ties to
   even, as printf) significand: the exact scaled value is y + r (fma gives the product's rounding error
   and the quotient's remainder exactly).  Returns 0 where the fast path does not apply. */
static int Decimal(double x, int digits, uint64_t *D, int *e)
{
  double ax = fabs(x), y, f, d, r;
  int    s;
  if (digits > 15 || !isfinite(x) || x == 0) return 0;
  *e = (int)floor(log10(ax));
  for (int pass = 0; pass < 3; pass++) {
    s = digits - 1 - *e;
    if (s > 22 || s < -22) return 0;
    if (s >= 0) {
      y = ax * Pow10[s];
      r = fma(ax, Pow10[s], -y); /* exact: ax 10^s = y + r */
    } else {
      y = ax / Pow10[-s];
      r = fma(-y, Pow10[-s], ax); /* exact remainder: ax = y 10^-s + r, same sign as the missing part */
    }
    f = floor(y);
    d = y - f; /* exact */
    if (d > 0.5 || (d == 0.5 && r > 0)) f += 1;
    else if (d == 0.5 && r == 0 && fmod(f, 2.0) != 0) f += 1;
    *D = (uint64_t)f;
    if (f < Pow10[digits - 1]) (*e)--;
    else if (f >= Pow10[digits]) (*e)++;
    else return 1;
  }
  return 0;
}

PetscReal PnlmeSimRoundValue(PnlmeSim sim, PetscReal x)
{
  uint64_t D;
  int      e, s;
  char     buf[32];
  if (x == 0) return 0;
  if (Decimal(x, (int)sim->digits, &D, &e)) {
    double v;
    s = (int)sim->digits - 1 - e;
    v = s >= 0 ? (double)D / Pow10[s] : (double)D * Pow10[-s];
    return x < 0 ? -v : v;
  }
  snprintf(buf, sizeof(buf), "%.*g", (int)sim->digits, (double)x);
  return strtod(buf, NULL);
}

/* printf's %.<digits>g layout: trailing zeros removed, exponent form below 1e-4 and from 10^digits */
int PnlmeSimFormatReal(char *p, PetscReal x, PetscInt digits)
{
  uint64_t D;
  int      e, nd = 0, k = 0;
  char     dig[20];
  if (x == 0) {
    p[0] = '0';
    p[1] = 0;
    return 1;
  }
  if (!Decimal(x, (int)digits, &D, &e)) return snprintf(p, 32, "%.*g", (int)digits, (double)x);
  while (D % 10 == 0) D /= 10; /* D != 0 */
  for (uint64_t u = D; u; u /= 10) dig[nd++] = (char)('0' + u % 10);
  /* dig[nd-1] is the leading digit */
  if (x < 0) p[k++] = '-';
  if (e < -4 || e >= digits) {
    p[k++] = dig[nd - 1];
    if (nd > 1) {
      p[k++] = '.';
      for (int i = nd - 2; i >= 0; i--) p[k++] = dig[i];
    }
    p[k++] = 'e';
    p[k++] = e < 0 ? '-' : '+';
    {
      int ae = e < 0 ? -e : e;
      if (ae >= 100) p[k++] = (char)('0' + ae / 100);
      p[k++] = (char)('0' + (ae / 10) % 10);
      p[k++] = (char)('0' + ae % 10);
    }
  } else if (e >= 0) {
    for (int i = 0; i <= e; i++) p[k++] = (nd - 1 - i >= 0) ? dig[nd - 1 - i] : '0';
    if (nd - 1 > e) {
      p[k++] = '.';
      for (int i = nd - 2 - e; i >= 0; i--) p[k++] = dig[i];
    }
  } else {
    p[k++] = '0';
    p[k++] = '.';
    for (int i = 0; i < -e - 1; i++) p[k++] = '0';
    for (int i = nd - 1; i >= 0; i--) p[k++] = dig[i];
  }
  p[k] = 0;
  return k;
}

int PnlmeSimFormatInt(char *p, PetscInt64 v)
{
  char     tmp[24];
  int      n = 0, k = 0;
  uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) p[k++] = '-';
  while (n) p[k++] = tmp[--n];
  p[k] = 0;
  return k;
}

/* covariates of global subject g into covraw[ncov] (substream PNLME_SIM_SUB_COVARIATES) */
void PnlmeSimDrawCovariates(PnlmeSim sim, PetscInt64 g, PetscReal covraw[])
{
  PnlmeRNG rng;
  PnlmeRNGInit(&rng, (uint64_t)sim->seed, (uint64_t)g, PNLME_SIM_SUB_COVARIATES);
  for (PetscInt k = 0; k < sim->ncov; k++) {
    const PnlmeSimCovariate *c = &sim->cov[k];
    PetscReal                x = 0;
    switch (c->dist) {
    case PNLME_SIM_DIST_CONSTANT: x = c->par[0]; break;
    case PNLME_SIM_DIST_BERNOULLI: x = PnlmeRNGUniform(&rng) < c->par[0] ? 1.0 : 0.0; break;
    case PNLME_SIM_DIST_NORMAL: x = c->par[0] + c->par[1] * PnlmeRNGNormal(&rng); break;
    case PNLME_SIM_DIST_TRUNCNORMAL: x = PnlmeRNGTruncNormal(&rng, c->par[0], c->par[1], c->par[2], c->par[3]); break;
    case PNLME_SIM_DIST_UNIFORM: x = PnlmeRNGUniformRange(&rng, c->par[0], c->par[1]); break;
    }
    covraw[k] = PnlmeSimRoundValue(sim, x);
  }
}

/* Pass 1 over the local subjects [gstart, gend): means, SDs and ranges of the covariates (collective). */
PetscErrorCode PnlmeSimCovariateMeans(PnlmeSim sim, PetscInt64 gstart, PetscInt64 gend)
{
  MPI_Comm           comm = PetscObjectComm((PetscObject)sim);
  PnlmeExactSum     *s;
  PetscReal         *mm;
  PnlmeDeferredError err;
  PetscInt           nc = sim->ncov;
  PetscFunctionBegin;
  if (!nc) PetscFunctionReturn(0);
  PnlmeDeferredErrorInit(&err);
  PetscCall(PetscMalloc2(2 * nc, &s, 2 * nc, &mm));
  PnlmeExactSumReset(s, 2 * nc);
  for (PetscInt k = 0; k < nc; k++) {
    mm[k]      = PETSC_MAX_REAL;  /* min */
    mm[nc + k] = PETSC_MAX_REAL;  /* -max */
  }
  for (PetscInt64 g = gstart; g < gend; g++) {
    PnlmeSimDrawCovariates(sim, g, sim->covraw);
    for (PetscInt k = 0; k < nc; k++) {
      PetscReal x = sim->covraw[k];
      if (sim->cov[k].transform == PNLME_COV_LOG && !(x > 0)) PnlmeDeferredErrorSet(&err, g, "option -sim_covariate_transform: %s=log but subject %lld drew %s = %.6g <= 0 (use center or none)", sim->cov[k].name, (long long)(g + 1), sim->cov[k].name, (double)x);
      PnlmeExactSumAdd(&s[2 * k], x);
      PnlmeExactSumAdd(&s[2 * k + 1], x * x);
      mm[k]      = PetscMin(mm[k], x);
      mm[nc + k] = PetscMin(mm[nc + k], -x);
    }
  }
  PetscCall(PnlmeDeferredErrorRaise(comm, &err));
  PetscCall(PnlmeExactSumAllreduce(comm, 2 * nc, s));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, mm, (PetscMPIInt)(2 * nc), MPIU_REAL, MPI_MIN, comm));
  for (PetscInt k = 0; k < nc; k++) {
    PnlmeSimCovariate *c  = &sim->cov[k];
    PetscReal          n  = (PetscReal)sim->nsub;
    PetscReal          s1 = PnlmeExactSumValue(&s[2 * k]), s2 = PnlmeExactSumValue(&s[2 * k + 1]);
    c->mean = s1 / n;
    c->sd   = sim->nsub > 1 ? PetscSqrtReal(PetscMax(s2 - s1 * s1 / n, 0) / (n - 1)) : 0;
    c->min  = mm[k];
    c->max  = -mm[nc + k];
  }
  PetscCall(PetscFree2(s, mm));
  PetscFunctionReturn(0);
}

/* the subject's covt from its covraw, and its formatted covariate columns ",x1,x2,..." */
void PnlmeSimTransformCovariates(PnlmeSim sim, PnlmeSimSlot *b)
{
  char *p = b->covtext;
  for (PetscInt k = 0; k < sim->ncov; k++) {
    const PnlmeSimCovariate *c = &sim->cov[k];
    PetscReal                x = b->covraw[k];
    switch (c->transform) {
    case PNLME_COV_LOG: b->covt[k] = log(x / c->mean); break;
    case PNLME_COV_CENTER: b->covt[k] = x - c->mean; break;
    default: b->covt[k] = x;
    }
    *p++ = ',';
    p += PnlmeSimFormatReal(p, x, sim->digits);
  }
  *p            = 0;
  b->covtextlen = (size_t)(p - b->covtext);
}
