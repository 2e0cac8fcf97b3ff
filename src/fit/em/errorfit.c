/* M-step of the residual error parameters, output by output.
   Closed-form models (constant, exponential) without censored observations: a^2 from the stochastic
   approximation of the output's residual sum of squares (S3[k]).  The others (proportional,
   combined1, combined2, and any output with censored observations): as saemix, the parameters that
   maximise the conditional log-likelihood of the output's observations at the current chains'
   predictions, found by damped Newton on (log a, log b) with the objective, gradient and Hessian
   evaluated collectively (each rank its observations, one exact reduction: every rank runs identical
   iterations), followed by a stochastic-approximation step on the parameters. */
#include "fit/fitimpl.h"
#include "sys/vmath.h"

static inline PetscReal NormalCDF(PetscReal z)
{
  return 0.5 * erfc(-z / PETSC_SQRT2);
}

/* a censored observation's -2 log P and its gradient in (log a, log b) */
static void CensoredTerm(const PnlmeErrorOps *ops, PetscReal a, PetscReal b, const PnlmeSubject *s, PetscInt j, PetscReal f, PetscReal *obj, PetscReal *da, PetscReal *db)
{
  PetscReal g, dgda, dgdb, loq = s->dv[j], lim = s->limit ? s->limit[j] : (PetscReal)NAN, x, u, ul = 0, P, dPdg;
  PetscBool interval = (PetscBool)(s->cens[j] == 1 && PetscIsNormalReal(lim) && lim < loq);
  ops->gderiv(a, b, f, &g, &dgda, &dgdb);
  if (!(g > 0)) g = PETSC_SMALL;
  if (ops->logscale) {
    x = f > 0 ? PetscLogReal(f) : PETSC_NINFINITY;
    u = (PetscLogReal(PetscMax(loq, PETSC_SMALL)) - x) / g;
    if (interval && lim > 0) ul = (PetscLogReal(lim) - x) / g;
    else interval = PETSC_FALSE;
  } else {
    u = (loq - f) / g;
    if (interval) ul = (lim - f) / g;
  }
  if (s->cens[j] == -1) u = -u;
  /* P = Phi(u) [- Phi(ul)], u = c / g: dP/dg = -(u phi(u) [- ul phi(ul)]) / g */
  P    = NormalCDF(u) - (interval ? NormalCDF(ul) : 0);
  dPdg = -(u * PetscExpReal(-0.5 * u * u) - (interval ? ul * PetscExpReal(-0.5 * ul * ul) : 0)) / PetscSqrtReal(2 * PETSC_PI) / g;
  if (!(P > 0)) P = PETSC_SMALL;
  *obj += -2 * PetscLogReal(P);
  *da += -2 * dPdg / P * dgda * a;
  *db += -2 * dPdg / P * dgdb * b;
}

/* sums of one pass over output k's observations at the chains' predictions, in x = (log a, log b):
   the objective (1/nc) sum over chains and observations of r^2/g^2 + 2 log g (uncensored; r on the
   model's scale) and -2 log P (censored), its gradient, its Hessian and the Fisher information
   (expected Hessian) */
enum {
  EP_F,
  EP_G,                       /* 2 */
  EP_H = EP_G + 2,            /* 3: xx, xy, yy */
  EP_I = EP_H + 3,            /* 3 */
  EP_N = EP_I + 3
};
#define EP_CHUNK   64 /* observations of a subject's chain whose terms are computed together (a multiple of 4: PnlmeVecPad) */

/* the terms of uncensored observations i < n (EPGather's inputs), given r^2, g > 0, its derivatives in a
   and b and log g:
   h(g) = r^2/g^2 + 2 log g: h' = 2/g - 2 r^2/g^3, h'' = 6 r^2/g^4 - 2/g^2, E[h''] = 4/g^2 (r^2 ~ g^2); g's
   derivatives in x: dg/dlog a = a g_a, d2g/dlog a^2 = a g_a + a^2 g_aa, ...  Plain arithmetic: SIMD
   lanes give the bits of the scalar code. */
typedef struct {
  PetscReal r2[EP_CHUNK], g[EP_CHUNK], lg[EP_CHUNK], ga[EP_CHUNK], gb[EP_CHUNK], gaa[EP_CHUNK], gab[EP_CHUNK], gbb[EP_CHUNK];
  PetscReal T[EP_N][EP_CHUNK];
} EPChunk;

PNLME_SIMD_CLONES static void EPTerms(PetscInt n, PetscReal a, PetscReal b, EPChunk *C)
{
#pragma omp simd
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal r2 = C->r2[i], g = C->g[i], w = 1 / (g * g), h1 = 2 * (1 - r2 * w) / g, h2 = (6 * r2 * w - 2) * w;
    const PetscReal d0 = a * C->ga[i], d1 = b * C->gb[i];
    C->T[EP_F][i]     = r2 * w + 2 * C->lg[i];
    C->T[EP_G][i]     = h1 * d0;
    C->T[EP_G + 1][i] = h1 * d1;
    C->T[EP_H][i]     = h2 * d0 * d0 + h1 * (d0 + a * a * C->gaa[i]);
    C->T[EP_H + 1][i] = h2 * d0 * d1 + h1 * a * b * C->gab[i];
    C->T[EP_H + 2][i] = h2 * d1 * d1 + h1 * (d1 + b * b * C->gbb[i]);
    C->T[EP_I][i]     = 4 * w * d0 * d0;
    C->T[EP_I + 1][i] = 4 * w * d0 * d1;
    C->T[EP_I + 2][i] = 4 * w * d1 * d1;
  }
}

/* an uncensored observation's inputs of EPTerms at position i of the chunk */
static inline void EPGather(const PnlmeErrorOps *ops, PetscReal a, PetscReal b, PetscReal y, PetscReal f, EPChunk *C, PetscInt i)
{
  C->r2[i]  = ops->logscale ? PetscSqr(PetscLogReal(y) - PetscLogReal(f)) : (y - f) * (y - f);
  C->gaa[i] = C->gab[i] = C->gbb[i] = 0;
  ops->gderiv(a, b, f, &C->g[i], &C->ga[i], &C->gb[i]);
  if (ops->gderiv2) ops->gderiv2(a, b, f, &C->gaa[i], &C->gab[i], &C->gbb[i]);
  if (!(C->g[i] > 0)) C->g[i] = PETSC_SMALL;
  C->lg[i] = PetscLogReal(C->g[i]); /* libm's, one at a time: PnlmeLogv's bits would change the fit's */
}

/* t[q] += the chunk's terms, observation after observation */
static inline void EPAdd(PetscInt n, const EPChunk *C, PetscReal t[EP_N])
{
  for (PetscInt i = 0; i < n; i++)
    for (PetscInt q = 0; q < EP_N; q++) t[q] += C->T[q][i];
}

/* Sums of one pass over output k's observations at the chains' predictions.  The uncensored
   observations go in chunks: EPGather one after another (the error model's g through its ops), EPTerms
   in SIMD lanes, EPAdd in the observations' order; a subject with censored observations one observation
   at a time, so that every sum still adds its terms in that order.  The same sums, bit for bit, as one
   loop over the observations (M-steps about 17 % faster on a proportional-error cohort: docs/speed.md). */
static PetscErrorCode ErrorPass(PnlmeFit fit, PetscInt k, const PetscReal x[2], PetscReal out[EP_N])
{
  const PetscInt       nc  = fit->nchains;
  const PnlmeErrorOps *ops = fit->pop.err[k];
  const PetscReal      a = ops->usea ? PetscExpReal(x[0]) : 0, b = ops->useb ? PetscExpReal(x[1]) : 0;
  PnlmeExactSum        acc[EP_N];
  PnlmeSubject         s;
  EPChunk              C;
  PetscFunctionBegin;
  PnlmeExactSumReset(acc, EP_N);
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PetscReal t[EP_N] = {0}; /* the subject's sums over its chains (in their order), one exact addition each */
    PetscBool cens;
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    cens = (PetscBool)(fit->pop.censored && s.cens);
    for (PetscInt c = 0; c < nc; c++) {
      const PetscReal *f = fit->pred + fit->predoff[i] * nc + c * s.nobs;
      for (PetscInt j0 = 0; j0 < s.nobs; j0 += cens ? 1 : EP_CHUNK) {
        const PetscInt j1 = PetscMin(s.nobs, j0 + (cens ? 1 : EP_CHUNK));
        PetscInt       n  = 0;
        for (PetscInt j = j0; j < j1; j++) {
          if (s.obsout[j] != k) continue;
          if (cens && s.cens[j]) {
            /* -2 log P: its gradient, and for the curvature the outer product of its gradient (BHHH:
               E[grad grad^T] of log P is the information, -2 log P scales it by 1/2) */
            PetscReal o = 0, da = 0, db = 0;
            CensoredTerm(ops, a, b, &s, j, f[j], &o, &da, &db);
            t[EP_F] += o;
            t[EP_G] += da;
            t[EP_G + 1] += db;
            t[EP_H] += 0.5 * da * da;
            t[EP_H + 1] += 0.5 * da * db;
            t[EP_H + 2] += 0.5 * db * db;
            t[EP_I] += 0.5 * da * da;
            t[EP_I + 1] += 0.5 * da * db;
            t[EP_I + 2] += 0.5 * db * db;
            continue;
          }
          EPGather(ops, a, b, s.dv[j], f[j], &C, n++);
        }
        for (PetscInt q = n; q < PnlmeVecPad(n); q++) { /* whole vectors (no scalar remainder) of harmless terms */
          C.r2[q] = C.ga[q] = C.gb[q] = C.gaa[q] = C.gab[q] = C.gbb[q] = C.lg[q] = 0;
          C.g[q]                                                               = 1;
        }
        EPTerms(PnlmeVecPad(n), a, b, &C);
        EPAdd(n, &C, t);
      }
    }
    for (PetscInt q = 0; q < EP_N; q++) PnlmeExactSumAdd(&acc[q], t[q] / nc);
  }
  PetscCall(PnlmeExactSumAllreduce(PetscObjectComm((PetscObject)fit), EP_N, acc));
  for (PetscInt q = 0; q < EP_N; q++) out[q] = PnlmeExactSumValue(&acc[q]);
  PetscFunctionReturn(0);
}

/* the Newton direction -M^-1 g on the parameters the model has (act), M the 2x2 symmetric (xx, xy, yy);
   0 when M is not positive definite there */
static PetscBool NewtonDir(const PetscBool act[2], const PetscReal M[3], const PetscReal g[2], PetscReal d[2])
{
  d[0] = d[1] = 0;
  if (act[0] && act[1]) {
    const PetscReal det = M[0] * M[2] - M[1] * M[1];
    if (!(M[0] > 0 && det > 0 && PetscIsNormalReal(det))) return PETSC_FALSE;
    d[0] = -(M[2] * g[0] - M[1] * g[1]) / det;
    d[1] = -(M[0] * g[1] - M[1] * g[0]) / det;
  } else {
    const PetscInt q = act[0] ? 0 : 1;
    if (!(M[2 * q] > 0)) return PETSC_FALSE;
    d[q] = -g[q] / M[2 * q];
  }
  return (PetscBool)((PetscIsNormalReal(d[0]) || d[0] == 0) && (PetscIsNormalReal(d[1]) || d[1] == 0));
}

#define ERR_MAX_IT    50    /* Newton iterations of one M-step */
#define ERR_MAX_HALF  40    /* step halvings of one iteration */
#define ERR_GATOL     1e-8  /* converged: gradient norm below this, or below ERR_GRTOL |objective| */
#define ERR_GRTOL     1e-10
#define ERR_XTOL      1e-6  /* converged: a Newton step below this (relative change of a and b) is taken unevaluated (quadratic convergence leaves an error of about its square) */
#define ERR_BOX       8.0   /* the search stays within e^-8 to e^8 times the current values */

/* output k's parameters maximising its conditional likelihood at the chains: damped Newton on
   (log a, log b) with the exact Hessian when it is positive definite (Fisher scoring otherwise, and for
   error models without gderiv2), a backtracking (Armijo) line search projected on the box, every
   quantity from one exact reduction per evaluation: every rank runs the same iterations.  No
   allocation; 3 to 4 evaluations per M-step on warfarin PK and theophylline (TAO's BLMVM, used before,
   about 10; docs/speed.md). */
static PetscErrorCode ErrorNewton(PnlmeFit fit, PetscInt k, PetscReal *aopt, PetscReal *bopt)
{
  PnlmePop            *pop = &fit->pop;
  const PnlmeErrorOps *ops = pop->err[k];
  const PetscBool      act[2] = {ops->usea, ops->useb};
  PetscReal            x[2], lo[2], hi[2], cur[EP_N], trial[EP_N], xt[2];
  PetscFunctionBegin;
  x[0] = act[0] ? PetscLogReal(pop->a[k]) : 0;
  x[1] = act[1] ? PetscLogReal(pop->b[k]) : 0;
  for (PetscInt q = 0; q < 2; q++) {
    lo[q] = x[q] - ERR_BOX;
    hi[q] = x[q] + ERR_BOX;
  }
  PetscCall(ErrorPass(fit, k, x, cur));
  for (PetscInt it = 0; it < ERR_MAX_IT && !PetscIsInfOrNanReal(cur[EP_F]); it++) {
    PetscReal g[2] = {act[0] ? cur[EP_G] : 0, act[1] ? cur[EP_G + 1] : 0}, d[2], slope, tstep = 1;
    PetscBool ok = PETSC_FALSE;
    if (PetscSqrtReal(g[0] * g[0] + g[1] * g[1]) <= PetscMax(ERR_GATOL, ERR_GRTOL * PetscAbsReal(cur[EP_F]))) break;
    if (!(ops->gderiv2 && NewtonDir(act, cur + EP_H, g, d)) && !NewtonDir(act, cur + EP_I, g, d)) break;
    if (PetscMax(PetscAbsReal(d[0]), PetscAbsReal(d[1])) <= ERR_XTOL) { /* the last step, too small to test */
      for (PetscInt q = 0; q < 2; q++) x[q] = act[q] ? PetscMin(hi[q], PetscMax(lo[q], x[q] + d[q])) : 0;
      break;
    }
    for (PetscInt h = 0; h < ERR_MAX_HALF && !ok; h++, tstep *= 0.5) {
      PetscBool moved = PETSC_FALSE;
      for (PetscInt q = 0; q < 2; q++) {
        xt[q] = act[q] ? PetscMin(hi[q], PetscMax(lo[q], x[q] + tstep * d[q])) : 0;
        moved = (PetscBool)(moved || xt[q] != x[q]);
      }
      if (!moved) break; /* the step vanished at double precision: converged */
      slope = g[0] * (xt[0] - x[0]) + g[1] * (xt[1] - x[1]);
      PetscCall(ErrorPass(fit, k, xt, trial));
      ok = (PetscBool)(!PetscIsInfOrNanReal(trial[EP_F]) && trial[EP_F] <= cur[EP_F] + 1e-4 * slope);
    }
    if (!ok) break; /* no decrease along the direction: the optimum at the objective's precision */
    x[0] = xt[0];
    x[1] = xt[1];
    PetscCall(PetscArraycpy(cur, trial, EP_N));
  }
  *aopt = act[0] ? PetscExpReal(x[0]) : 0;
  *bopt = act[1] ? PetscExpReal(x[1]) : 0;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitErrorMStep(PnlmeFit fit, PetscInt iter, PetscReal gamma, const PetscReal S3[])
{
  PnlmePop *pop = &fit->pop;
  PetscFunctionBegin;
  for (PetscInt k = 0; k < pop->nout; k++) {
    const PnlmeErrorOps *ops = pop->err[k];
    PetscReal            aopt = 0, bopt = 0, a_new, b_new;
    if (ops->closedform && !fit->ncensout[k]) {
      PetscReal a2 = S3[k] / (PetscReal)fit->nobsout[k];
      if (iter < fit->saiter) a2 = PetscMax(a2, fit->safactor * pop->a[k] * pop->a[k]); /* annealing */
      pop->a[k] = PetscSqrtReal(a2);
      continue;
    }
    PetscCall(ErrorNewton(fit, k, &aopt, &bopt));
    /* stochastic approximation on the parameters, annealing on their squares */
    a_new = pop->a[k] + gamma * (aopt - pop->a[k]);
    b_new = pop->b[k] + gamma * (bopt - pop->b[k]);
    if (iter < fit->saiter) {
      a_new = PetscMax(a_new, PetscSqrtReal(fit->safactor) * pop->a[k]);
      b_new = PetscMax(b_new, PetscSqrtReal(fit->safactor) * pop->b[k]);
    }
    if (ops->usea) pop->a[k] = a_new;
    if (ops->useb) pop->b[k] = b_new;
  }
  PetscFunctionReturn(0);
}
