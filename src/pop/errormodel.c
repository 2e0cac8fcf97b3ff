/* Residual error models: the registry, and the log-likelihood of a subject's observations with one
   error model and parameters per output (include/pnlmepop.h; the models in src/pop/error/).

   Censored observations (CENS = 1: below the limit of quantification held in DV; CENS = -1: above it;
   with a LIMIT column, the other end of the interval) enter by the probability of their interval under
   y ~ N(f, g(f)^2) (log y ~ N(log f, g^2) for the log-scale models), as NONMEM's M3/M4 and Monolix do:
   log Phi(z), z = (LOQ - f) / g, or log(Phi(z) - Phi(z_LIMIT)), or log(1 - Phi(z)).  Their gradient in
   f is exact (through g'(f)); their Gauss-Newton weight is (d log P / d f)^2 (the observed score
   squared).  The sums of the uncensored observations are those of the error model itself: without
   censored data nothing changes. */
#include "pop/popimpl.h"
#include <string.h>

PETSC_EXTERN const PnlmeErrorOps PnlmeErrorConstant, PnlmeErrorExponential, PnlmeErrorProportional, PnlmeErrorCombined1, PnlmeErrorCombined2;

#define MAX_ERROR_MODELS 32
static const PnlmeErrorOps *Models[MAX_ERROR_MODELS];
static char                 Names[MAX_ERROR_MODELS][64];
static PetscInt             NModels;

PetscErrorCode PnlmeErrorModelRegister(const char name[], const PnlmeErrorOps *ops)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < NModels; i++)
    if (!strcmp(Names[i], name)) {
      Models[i] = ops;
      PetscFunctionReturn(0);
    }
  PetscCheck(NModels < MAX_ERROR_MODELS, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many error models");
  PetscCheck(ops && ops->loglik && ops->loglikgrad && ops->fisher && ops->sd && ops->dsd && ops->gderiv && ops->simulate && (!ops->closedform || ops->rss), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "error model %s: incomplete operations", name);
  PetscCall(PetscStrncpy(Names[NModels], name, sizeof(Names[0])));
  Models[NModels++] = ops;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeErrorModelRegisterAll(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeErrorModelRegister(PNLME_ERROR_CONSTANT, &PnlmeErrorConstant));
  PetscCall(PnlmeErrorModelRegister(PNLME_ERROR_PROPORTIONAL, &PnlmeErrorProportional));
  PetscCall(PnlmeErrorModelRegister(PNLME_ERROR_COMBINED1, &PnlmeErrorCombined1));
  PetscCall(PnlmeErrorModelRegister(PNLME_ERROR_COMBINED2, &PnlmeErrorCombined2));
  PetscCall(PnlmeErrorModelRegister(PNLME_ERROR_EXPONENTIAL, &PnlmeErrorExponential));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeErrorModelFind(const char name[], const PnlmeErrorOps **ops)
{
  PetscFunctionBegin;
  *ops = NULL;
  for (PetscInt i = 0; i < NModels; i++)
    if (!strcasecmp(Names[i], name)) *ops = Models[i];
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeErrorModelList(char list[], size_t len)
{
  PetscFunctionBegin;
  list[0] = 0;
  for (PetscInt i = 0; i < NModels; i++) {
    if (i) PetscCall(PetscStrlcat(list, ", ", len));
    PetscCall(PetscStrlcat(list, Names[i], len));
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ censored observations */
static inline PetscReal NormalCDF(PetscReal z)
{
  return 0.5 * erfc(-z / PETSC_SQRT2);
}

/* log P(y_j in its censoring interval | f) and its derivative in f */
static PetscReal CensoredLogLik(const PnlmeErrorOps *ops, PetscReal a, PetscReal b, const PnlmeSubject *s, PetscInt j, PetscReal f, PetscReal *dldf)
{
  PetscReal g, dg, loq = s->dv[j], lim = s->limit ? s->limit[j] : (PetscReal)NAN, x, u, dudf, P, dP, zl = 0, dzl = 0;
  PetscBool interval = (PetscBool)(s->cens[j] == 1 && PetscIsNormalReal(lim) && lim < loq);
  if (ops->logscale) { /* compare logs */
    if (!(f > 0) || !(loq > 0)) return PETSC_NINFINITY;
    g  = ops->sd(a, b, f);
    x  = PetscLogReal(f);
    u  = (PetscLogReal(loq) - x) / g;
    dudf = -1.0 / (g * f);
    if (interval) {
      if (!(lim > 0)) interval = PETSC_FALSE;
      else zl = (PetscLogReal(lim) - x) / g, dzl = dudf;
    }
  } else {
    g    = ops->sd(a, b, f);
    dg   = ops->dsd(a, b, f);
    if (!(g > 0)) return PETSC_NINFINITY;
    u    = (loq - f) / g;
    dudf = -(1.0 + u * dg) / g;
    if (interval) zl = (lim - f) / g, dzl = -(1.0 + zl * dg) / g;
  }
  if (s->cens[j] == -1) { /* above the limit */
    u    = -u;
    dudf = -dudf;
  }
  P  = NormalCDF(u);
  dP = PetscExpReal(-0.5 * u * u) / PetscSqrtReal(2 * PETSC_PI) * dudf;
  if (interval) { /* the lower end of the interval */
    P -= NormalCDF(zl);
    dP -= PetscExpReal(-0.5 * zl * zl) / PetscSqrtReal(2 * PETSC_PI) * dzl;
  }
  if (!(P > 0)) return PETSC_NINFINITY;
  if (dldf) *dldf = dP / P;
  return PetscLogReal(P);
}

/* ------------------------------------------------------------------ a subject, every output */
PetscReal PnlmeErrorLogLik(const PnlmePop *pop, const PnlmeSubject *s, const PetscReal f[])
{
  PetscReal l = 0;
  for (PetscInt k = 0; k < pop->nout; k++) {
    PetscReal lk = pop->err[k]->loglik(pop->a[k], pop->b[k], s->nobs, s->dv, f, s->obsout, k, pop->censored ? s->cens : NULL);
    if (!(lk > PETSC_NINFINITY)) return PETSC_NINFINITY;
    l += lk;
  }
  if (pop->censored && s->cens)
    for (PetscInt j = 0; j < s->nobs; j++) {
      PetscInt k = s->obsout[j];
      if (!s->cens[j]) continue;
      l += CensoredLogLik(pop->err[k], pop->a[k], pop->b[k], s, j, f[j], NULL);
    }
  return l;
}

/* The early rejection of MCMC proposals (docs/saem.md): an upper bound of PnlmeErrorLogLik for any
   predictions, the sum of each observation's bound (0 for a censored one, a log-probability); +inf when
   an output's model has none */
PetscReal PnlmeErrorLogLikSup(const PnlmePop *pop, const PnlmeSubject *s)
{
  PetscReal u = 0;
  for (PetscInt j = 0; j < s->nobs; j++) {
    const PnlmeErrorOps *ops = pop->err[s->obsout[j]];
    if (pop->censored && s->cens && s->cens[j]) continue;
    if (!ops->logliksup) return (PetscReal)INFINITY;
    u += ops->logliksup(pop->a[s->obsout[j]], pop->b[s->obsout[j]], s->dv[j]);
  }
  return u;
}

/* the sum over observations j0..j1-1 of their bounds less their terms at the predictions f (the subject's,
   f[j]); >= 0, IEEE +inf where a term is -inf */
PetscReal PnlmeErrorDeficit(const PnlmePop *pop, const PnlmeSubject *s, PetscInt j0, PetscInt j1, const PetscReal f[])
{
  const PetscInt *cens = pop->censored && s->cens ? s->cens + j0 : NULL;
  PetscReal       d    = 0;
  if (j1 == j0 + 1 && !(cens && cens[0])) { /* one observation (the ODE lanes, after each): its output's model only */
    const PetscInt k = s->obsout[j0];
    return pop->err[k]->deficit ? pop->err[k]->deficit(pop->a[k], pop->b[k], 1, s->dv + j0, f + j0, s->obsout + j0, k, NULL) : 0.0;
  }
  for (PetscInt k = 0; k < pop->nout; k++)
    if (pop->err[k]->deficit) d += pop->err[k]->deficit(pop->a[k], pop->b[k], j1 - j0, s->dv + j0, f + j0, s->obsout + j0, k, cens);
  for (PetscInt j = j0; cens && j < j1; j++) {
    const PetscInt k = s->obsout[j];
    PetscReal      l;
    if (!s->cens[j]) continue;
    l = CensoredLogLik(pop->err[k], pop->a[k], pop->b[k], s, j, f[j], NULL);
    d += l > PETSC_NINFINITY ? -l : (PetscReal)INFINITY;
  }
  return d;
}

PetscReal PnlmeErrorLogLikGrad(const PnlmePop *pop, const PnlmeSubject *s, const PetscReal f[], PetscReal dldf[])
{
  PetscReal l = 0;
  for (PetscInt k = 0; k < pop->nout; k++) {
    PetscReal lk = pop->err[k]->loglikgrad(pop->a[k], pop->b[k], s->nobs, s->dv, f, s->obsout, k, pop->censored ? s->cens : NULL, dldf);
    if (!(lk > PETSC_NINFINITY)) return PETSC_NINFINITY;
    l += lk;
  }
  if (pop->censored && s->cens)
    for (PetscInt j = 0; j < s->nobs; j++) {
      PetscInt k = s->obsout[j];
      if (!s->cens[j]) continue;
      l += CensoredLogLik(pop->err[k], pop->a[k], pop->b[k], s, j, f[j], &dldf[j]);
    }
  return l;
}

void PnlmeErrorFisherWeights(const PnlmePop *pop, const PnlmeSubject *s, const PetscReal f[], PetscReal w[])
{
  for (PetscInt k = 0; k < pop->nout; k++) pop->err[k]->fisher(pop->a[k], pop->b[k], s->nobs, f, s->obsout, k, pop->censored ? s->cens : NULL, w);
  if (pop->censored && s->cens)
    for (PetscInt j = 0; j < s->nobs; j++) {
      PetscInt  k = s->obsout[j];
      PetscReal d = 0;
      if (!s->cens[j]) continue;
      w[j] = CensoredLogLik(pop->err[k], pop->a[k], pop->b[k], s, j, f[j], &d) > PETSC_NINFINITY ? d * d : 0;
    }
}

PetscReal PnlmeErrorResidualSS(const PnlmePop *pop, PetscInt k, const PnlmeSubject *s, const PetscReal f[])
{
  return pop->err[k]->rss ? pop->err[k]->rss(s->nobs, s->dv, f, s->obsout, k, pop->censored ? s->cens : NULL) : 0;
}

PetscReal PnlmeErrorSD(const PnlmePop *pop, PetscInt k, PetscReal f)
{
  return pop->err[k]->sd(pop->a[k], pop->b[k], f);
}

PetscReal PnlmeErrorSimulate(const PnlmePop *pop, PetscInt k, PetscReal f, PetscReal e)
{
  return pop->err[k]->simulate(pop->a[k], pop->b[k], f, e);
}

/* ------------------------------------------------------------------ parameters and names */
/* the error parameters in the order of the history: output by output, a then b */
PetscInt PnlmeErrorNumParameters(const PnlmePop *pop)
{
  PetscInt n = 0;
  for (PetscInt k = 0; k < pop->nout; k++) n += pop->err[k]->usea + pop->err[k]->useb;
  return n;
}

void PnlmeErrorParameter(const PnlmePop *pop, PetscInt e, PetscInt *k, PetscBool *isb)
{
  for (PetscInt o = 0; o < pop->nout; o++) {
    if (pop->err[o]->usea && e-- == 0) {
      *k   = o;
      *isb = PETSC_FALSE;
      return;
    }
    if (pop->err[o]->useb && e-- == 0) {
      *k   = o;
      *isb = PETSC_TRUE;
      return;
    }
  }
  *k   = -1;
  *isb = PETSC_FALSE;
}

PetscErrorCode PnlmeErrorParameterName(const PnlmePop *pop, PetscInt e, char name[], size_t len)
{
  PetscInt  k;
  PetscBool isb;
  PetscFunctionBegin;
  PnlmeErrorParameter(pop, e, &k, &isb);
  PetscCheck(k >= 0, PETSC_COMM_SELF, PETSC_ERR_PLIB, "no error parameter %" PetscInt_FMT, e);
  if (pop->nout == 1) PetscCall(PetscStrncpy(name, isb ? "b" : "a", len));
  else PetscCall(PetscSNPrintf(name, len, "%s_%s", isb ? "b" : "a", pop->outname[k]));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeErrorDescribe(const PnlmePop *pop, char str[], size_t len)
{
  PetscFunctionBegin;
  str[0] = 0;
  if (pop->nout == 1) PetscFunctionReturn(PetscStrncpy(str, pop->err[0]->name, len));
  for (PetscInt k = 0; k < pop->nout; k++) {
    char item[160];
    PetscCall(PetscSNPrintf(item, sizeof(item), "%s%s=%s", k ? "," : "", pop->outname[k], pop->err[k]->name));
    PetscCall(PetscStrlcat(str, item, len));
  }
  PetscFunctionReturn(0);
}

/* An option's value for the outputs of a model: "value" for every output or "OUT=value,..." (every
   name an output, each at most once).  models: the values are error model names (into ops[]), else
   numbers (into vals[], positive, or non-negative with allowzero).  given[k]: output k was named. */
PetscErrorCode PnlmeErrorParseOutputs(MPI_Comm comm, const char opt[], const char str[], PetscInt nout, const char names[][64], PetscBool models, PetscBool allowzero, const PnlmeErrorOps *ops[], PetscReal vals[], PetscBool given[])
{
  char buf[4096], *tok, *save = NULL;
  PetscFunctionBegin;
  for (PetscInt k = 0; k < nout; k++) given[k] = PETSC_FALSE;
  if (!str || !str[0]) PetscFunctionReturn(0);
  PetscCheck(strlen(str) < sizeof(buf), comm, PETSC_ERR_USER, "option %s: value too long", opt);
  PetscCall(PetscStrncpy(buf, str, sizeof(buf)));
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char    *eq = strchr(tok, '='), *val = tok;
    PetscInt k0 = 0, k1 = nout;
    while (*tok == ' ') tok++;
    if (eq) {
      *eq = 0;
      val = eq + 1;
      k0  = -1;
      for (PetscInt k = 0; k < nout; k++)
        if (!strcmp(names[k], tok)) k0 = k;
      if (k0 < 0) {
        char outs[1024] = "";
        for (PetscInt k = 0; k < nout; k++) {
          if (k) PetscCall(PetscStrlcat(outs, ", ", sizeof(outs)));
          PetscCall(PetscStrlcat(outs, names[k], sizeof(outs)));
        }
        SETERRQ(comm, PETSC_ERR_USER, "option %s: the model has no output '%s' (its outputs: %s)", opt, tok, outs);
      }
      k1 = k0 + 1;
    } else PetscCheck(!strchr(str, '='), comm, PETSC_ERR_USER, "option %s: '%s' is not of the form OUTPUT=value", opt, tok);
    for (PetscInt k = k0; k < k1; k++) {
      PetscCheck(!given[k], comm, PETSC_ERR_USER, "option %s: output %s is given twice", opt, names[k]);
      given[k] = PETSC_TRUE;
      if (models) {
        PetscCall(PnlmeErrorModelFind(val, &ops[k]));
        if (!ops[k]) {
          char list[512];
          PetscCall(PnlmeErrorModelList(list, sizeof(list)));
          SETERRQ(comm, PETSC_ERR_USER, "option %s '%s': not one of %s", opt, val, list);
        }
      } else {
        char *end;
        vals[k] = strtod(val, &end);
        PetscCheck(end != val && !*end && PetscIsNormalReal(vals[k] + 1.0) && (vals[k] > 0 || (allowzero && vals[k] == 0)), comm, PETSC_ERR_USER, "option %s: '%s' must be a %s number", opt, val, allowzero ? "non-negative" : "positive");
      }
    }
  }
  if (models && strchr(str, '='))
    for (PetscInt k = 0; k < nout; k++) PetscCheck(given[k], comm, PETSC_ERR_USER, "option %s: no error model for output %s (give one for every output)", opt, names[k]);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeErrorSetFromStrings(PnlmePop *pop, MPI_Comm comm, const char models[], const char avals[], const char bvals[])
{
  const PnlmeErrorOps *ops[PNLME_POP_MAX_OUTPUTS];
  PetscReal            v[PNLME_POP_MAX_OUTPUTS];
  PetscBool            given[PNLME_POP_MAX_OUTPUTS];
  PetscFunctionBegin;
  PetscCall(PnlmeErrorParseOutputs(comm, "-fit_error", models, pop->nout, pop->outname, PETSC_TRUE, PETSC_FALSE, ops, v, given));
  for (PetscInt k = 0; k < pop->nout; k++)
    if (given[k]) pop->err[k] = ops[k];
  PetscCall(PnlmeErrorParseOutputs(comm, "-fit_error_a", avals, pop->nout, pop->outname, PETSC_FALSE, PETSC_FALSE, ops, v, given));
  for (PetscInt k = 0; k < pop->nout; k++)
    if (given[k]) pop->a[k] = v[k];
  PetscCall(PnlmeErrorParseOutputs(comm, "-fit_error_b", bvals, pop->nout, pop->outname, PETSC_FALSE, PETSC_FALSE, ops, v, given));
  for (PetscInt k = 0; k < pop->nout; k++)
    if (given[k]) pop->b[k] = v[k];
  for (PetscInt k = 0; k < pop->nout; k++)
    if (!pop->err[k]->usea) pop->a[k] = 0;
  PetscFunctionReturn(0);
}
