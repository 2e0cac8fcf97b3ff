/* PnlmeSim: parsing of the specification strings (parameters, covariates, effects, design, doses).
   Every problem is a one-line error naming the option and the offending entry. */
#include "sim/simimpl.h"
#include "model/modelimpl.h" /* the declared output and dosing CMT numbers */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const PnlmeSimDists[] = {"constant", "bernoulli", "normal", "truncnormal", "uniform", "PnlmeSimDist", "PNLME_SIM_DIST_", NULL};

static void Trim(char *s)
{
  size_t n = strlen(s), i = 0;
  while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = 0;
  while (s[i] && isspace((unsigned char)s[i])) i++;
  if (i) memmove(s, s + i, n - i + 1);
}

/* Split "a,b(c,d),e" at the commas outside parentheses; entries are trimmed and must be non-empty. */
PetscErrorCode PnlmeSimSplitList(const char opt[], const char str[], PetscInt maxn, PetscInt *n, char items[][PNLME_SIM_ITEM_LEN])
{
  const char *p = str, *start = str;
  int         depth = 0;
  PetscFunctionBegin;
  *n = 0;
  if (!str || !str[0]) PetscFunctionReturn(0);
  for (;; p++) {
    if (*p == '(') depth++;
    if (*p == ')') {
      depth--;
      PetscCheck(depth >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: unbalanced ')' in '%s'", opt, str);
    }
    if ((*p == ',' && depth == 0) || *p == 0) {
      size_t len = (size_t)(p - start);
      PetscCheck(depth == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: unbalanced '(' in '%s'", opt, str);
      PetscCheck(*n < maxn, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: more than %d entries", opt, (int)maxn);
      PetscCheck(len < PNLME_SIM_ITEM_LEN, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: entry %d is too long", opt, (int)*n + 1);
      memcpy(items[*n], start, len);
      items[*n][len] = 0;
      Trim(items[*n]);
      PetscCheck(items[*n][0], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: empty entry %d in '%s'", opt, (int)*n + 1, str);
      (*n)++;
      if (!*p) break;
      start = p + 1;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseNumber(const char opt[], const char item[], const char text[], PetscReal *v)
{
  char *end;
  PetscFunctionBegin;
  while (isspace((unsigned char)*text)) text++;
  *v = strtod(text, &end);
  while (isspace((unsigned char)*end)) end++;
  PetscCheck(end != text && *end == 0 && isfinite(*v), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: '%s': '%s' is not a finite number", opt, item, text);
  PetscFunctionReturn(0);
}

/* "name(a,b,...)" -> fname, args (the number of arguments must be in [1, maxarg]) */
PetscErrorCode PnlmeSimParseCall(const char opt[], const char item[], const char what[], char fname[], PetscInt maxarg, PetscInt *narg, PetscReal args[])
{
  char        buf[PNLME_SIM_ITEM_LEN], *open, *close, *tok, *save = NULL;
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(buf, what, sizeof(buf)));
  open  = strchr(buf, '(');
  close = strrchr(buf, ')');
  PetscCheck(open && close && close > open && close[1] == 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: '%s': expected name(arguments), got '%s'", opt, item, what);
  *open  = 0;
  *close = 0;
  PetscCall(PetscStrncpy(fname, buf, PNLME_SIM_NAME_LEN));
  Trim(fname);
  *narg = 0;
  for (tok = strtok_r(open + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    PetscCheck(*narg < maxarg, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: '%s': too many arguments", opt, item);
    PetscCall(ParseNumber(opt, item, tok, &args[*narg]));
    (*narg)++;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ParamList(PnlmeSim sim, char list[], size_t len)
{
  PetscFunctionBegin;
  list[0] = 0;
  for (PetscInt p = 0; p < sim->np; p++) {
    const char *name;
    PetscCall(PnlmeModelGetParameterName(sim->model, p, &name));
    if (p) PetscCall(PetscStrlcat(list, ",", len));
    PetscCall(PetscStrlcat(list, name, len));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ParamIndex(PnlmeSim sim, const char opt[], const char name[], PetscInt *idx)
{
  char        list[1024];
  const char *mname;
  PetscFunctionBegin;
  PetscCall(PnlmeModelGetParameterIndex(sim->model, name, idx));
  if (*idx >= 0) PetscFunctionReturn(0);
  PetscCall(ParamList(sim, list, sizeof(list)));
  PetscCall(PnlmeModelGetType(sim->model, &mname));
  SETERRQ(PetscObjectComm((PetscObject)sim), PETSC_ERR_ARG_WRONG, "option %s: unknown parameter '%s' (model %s has %s)", opt, name, mname, list);
}

static PetscErrorCode CovIndex(PnlmeSim sim, const char opt[], const char name[], PetscInt *idx)
{
  PetscFunctionBegin;
  *idx = -1;
  for (PetscInt k = 0; k < sim->ncov; k++)
    if (!strcmp(sim->cov[k].name, name)) *idx = k;
  PetscCheck(*idx >= 0, PetscObjectComm((PetscObject)sim), PETSC_ERR_ARG_WRONG, "option %s: unknown covariate '%s' (not in -sim_covariates)", opt, name);
  PetscFunctionReturn(0);
}

/* Cholesky of a positive semi-definite matrix: rows of a zero variance give zero columns */
static PetscErrorCode Cholesky(PnlmeSim sim, PetscInt n, const PetscReal A[], PetscReal L[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < n * n; i++) L[i] = 0;
  for (PetscInt j = 0; j < n; j++) {
    PetscReal d = A[j * n + j], tol = 1e-12 * PetscMax(A[j * n + j], 0);
    for (PetscInt k = 0; k < j; k++) d -= L[j * n + k] * L[j * n + k];
    PetscCheck(d >= -tol, PetscObjectComm((PetscObject)sim), PETSC_ERR_ARG_WRONG, "option -sim_corr: the correlation matrix is not positive semi-definite");
    if (d <= tol) {
      for (PetscInt i = j + 1; i < n; i++) {
        PetscReal r = A[i * n + j];
        for (PetscInt k = 0; k < j; k++) r -= L[i * n + k] * L[j * n + k];
        PetscCheck(fabs(r) <= 1e-12 * PetscSqrtReal(PetscMax(A[i * n + i], 0) * PetscMax(A[j * n + j], 0)) + 1e-300, PetscObjectComm((PetscObject)sim), PETSC_ERR_ARG_WRONG, "option -sim_corr: the correlation matrix is not positive semi-definite");
      }
      continue;
    }
    L[j * n + j] = PetscSqrtReal(d);
    for (PetscInt i = j + 1; i < n; i++) {
      PetscReal r = A[i * n + j];
      for (PetscInt k = 0; k < j; k++) r -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = r / L[j * n + j];
    }
  }
  PetscFunctionReturn(0);
}

/* -sim_theta, -sim_omega, -sim_corr */
PetscErrorCode PnlmeSimParseParameters(PnlmeSim sim)
{
  MPI_Comm   comm = PetscObjectComm((PetscObject)sim);
  PetscInt   n, idx, np = sim->np;
  char     (*keys)[64];
  PetscReal *vals, *cov;
  PetscBool *seen;
  const char *mname;
  PetscFunctionBegin;
  PetscCall(PnlmeModelGetType(sim->model, &mname));
  PetscCall(PetscMalloc3(PNLME_SIM_MAX_ITEMS, &keys, PNLME_SIM_MAX_ITEMS, &vals, np, &seen));
  /* theta: every parameter, natural scale, in the transform's domain */
  {
    char list[1024];
    PetscCall(ParamList(sim, list, sizeof(list)));
    PetscCheck(sim->thetaspec[0], comm, PETSC_ERR_ARG_WRONG, "option -sim_theta: missing (model %s needs %s)", mname, list);
  }
  PetscCall(PnlmeParseKeyValues("-sim_theta", sim->thetaspec, PNLME_SIM_MAX_ITEMS, &n, keys, vals));
  for (PetscInt p = 0; p < np; p++) seen[p] = PETSC_FALSE;
  for (PetscInt i = 0; i < n; i++) {
    PnlmeTransform tr;
    PetscCall(ParamIndex(sim, "-sim_theta", keys[i], &idx));
    PetscCheck(!seen[idx], comm, PETSC_ERR_ARG_WRONG, "option -sim_theta: parameter '%s' given twice", keys[i]);
    seen[idx] = PETSC_TRUE;
    PetscCall(PnlmeModelGetTransform(sim->model, idx, &tr));
    PetscCheck(tr != PNLME_TRANSFORM_LOG || vals[i] > 0, comm, PETSC_ERR_ARG_WRONG, "option -sim_theta: %s=%.6g must be positive (log-normal parameter)", keys[i], (double)vals[i]);
    PetscCheck(tr != PNLME_TRANSFORM_LOGIT || (vals[i] > 0 && vals[i] < 1), comm, PETSC_ERR_ARG_WRONG, "option -sim_theta: %s=%.6g must be in (0,1) (logit-normal parameter)", keys[i], (double)vals[i]);
    sim->theta[idx] = vals[i];
  }
  for (PetscInt p = 0; p < np; p++) {
    const char *name;
    PetscCall(PnlmeModelGetParameterName(sim->model, p, &name));
    PetscCheck(seen[p], comm, PETSC_ERR_ARG_WRONG, "option -sim_theta: missing parameter '%s' (model %s needs every parameter)", name, mname);
  }
  PnlmeModelTransformToGaussian(sim->model, sim->theta, sim->mu);
  /* omega: SD on the transformed scale, missing = 0 */
  for (PetscInt p = 0; p < np; p++) {
    sim->omega[p] = 0;
    seen[p]       = PETSC_FALSE;
  }
  PetscCall(PnlmeParseKeyValues("-sim_omega", sim->omegaspec, PNLME_SIM_MAX_ITEMS, &n, keys, vals));
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(ParamIndex(sim, "-sim_omega", keys[i], &idx));
    PetscCheck(!seen[idx], comm, PETSC_ERR_ARG_WRONG, "option -sim_omega: parameter '%s' given twice", keys[i]);
    PetscCheck(vals[i] >= 0, comm, PETSC_ERR_ARG_WRONG, "option -sim_omega: %s=%.6g: a standard deviation must be >= 0", keys[i], (double)vals[i]);
    seen[idx]       = PETSC_TRUE;
    sim->omega[idx] = vals[i];
  }
  /* correlations "P1.P2=r" */
  for (PetscInt i = 0; i < np * np; i++) sim->corr[i] = (i % (np + 1)) == 0 ? 1.0 : 0.0;
  PetscCall(PnlmeParseKeyValues("-sim_corr", sim->corrspec, PNLME_SIM_MAX_ITEMS, &n, keys, vals));
  for (PetscInt i = 0; i < n; i++) {
    char    *dot = strchr(keys[i], '.');
    PetscInt a, b;
    PetscCheck(dot, comm, PETSC_ERR_ARG_WRONG, "option -sim_corr: '%s' is not of the form PARAM1.PARAM2=r", keys[i]);
    *dot = 0;
    PetscCall(ParamIndex(sim, "-sim_corr", keys[i], &a));
    PetscCall(ParamIndex(sim, "-sim_corr", dot + 1, &b));
    PetscCheck(a != b, comm, PETSC_ERR_ARG_WRONG, "option -sim_corr: %s.%s: a parameter with itself", keys[i], dot + 1);
    PetscCheck(vals[i] > -1 && vals[i] < 1, comm, PETSC_ERR_ARG_WRONG, "option -sim_corr: %s.%s=%.6g: a correlation must be in (-1,1)", keys[i], dot + 1, (double)vals[i]);
    PetscCheck(sim->corr[a * np + b] == 0, comm, PETSC_ERR_ARG_WRONG, "option -sim_corr: %s.%s given twice", keys[i], dot + 1);
    sim->corr[a * np + b] = sim->corr[b * np + a] = vals[i];
  }
  PetscCall(PetscMalloc1(np * np, &cov));
  for (PetscInt a = 0; a < np; a++)
    for (PetscInt b = 0; b < np; b++) cov[a * np + b] = sim->corr[a * np + b] * sim->omega[a] * sim->omega[b];
  PetscCall(Cholesky(sim, np, cov, sim->L));
  PetscCall(PetscFree(cov));
  PetscCall(PetscFree3(keys, vals, seen));
  PetscFunctionReturn(0);
}

static PetscBool IsReservedColumn(const char name[])
{
  static const char *const reserved[] = {"ID", "TIME", "DV", "AMT", "EVID", "MDV", "CMT", "RATE", "II", "ADDL", "SS", "CENS", "LIMIT", "IPRED"};
  for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
    if (!strcasecmp(name, reserved[i])) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* -sim_covariates NAME=dist(args),...  and  -sim_covariate_transform NAME=log|center|none,... */
PetscErrorCode PnlmeSimParseCovariates(PnlmeSim sim)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)sim);
  const char *opt = "-sim_covariates";
  char (*items)[PNLME_SIM_ITEM_LEN];
  PetscInt n;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(PNLME_SIM_MAX_ITEMS, &items));
  PetscCall(PnlmeSimSplitList(opt, sim->covspec, PNLME_SIM_MAX_ITEMS, &n, items));
  PetscCall(PetscFree(sim->cov));
  PetscCall(PetscCalloc1(PetscMax(n, 1), &sim->cov));
  sim->ncov = n;
  for (PetscInt k = 0; k < n; k++) {
    PnlmeSimCovariate *c  = &sim->cov[k];
    char              *eq = strchr(items[k], '='), fname[PNLME_SIM_NAME_LEN];
    PetscInt           narg, d;
    PetscBool          found = PETSC_FALSE;
    PetscCheck(eq, comm, PETSC_ERR_ARG_WRONG, "option %s: '%s' is not of the form NAME=distribution(arguments)", opt, items[k]);
    *eq = 0;
    Trim(items[k]);
    PetscCheck(items[k][0] && strlen(items[k]) < PNLME_SIM_NAME_LEN && (isalpha((unsigned char)items[k][0]) || items[k][0] == '_'), comm, PETSC_ERR_ARG_WRONG, "option %s: bad covariate name '%s'", opt, items[k]);
    for (const char *q = items[k]; *q; q++) PetscCheck(isalnum((unsigned char)*q) || *q == '_', comm, PETSC_ERR_ARG_WRONG, "option %s: bad covariate name '%s' (letters, digits and _ only)", opt, items[k]);
    PetscCheck(!IsReservedColumn(items[k]), comm, PETSC_ERR_ARG_WRONG, "option %s: covariate name '%s' is a reserved column name", opt, items[k]);
    for (PetscInt j = 0; j < k; j++) PetscCheck(strcmp(sim->cov[j].name, items[k]), comm, PETSC_ERR_ARG_WRONG, "option %s: covariate '%s' given twice", opt, items[k]);
    PetscCall(PetscStrncpy(c->name, items[k], sizeof(c->name)));
    *eq = '=';
    PetscCall(PnlmeSimParseCall(opt, items[k], eq + 1, fname, 4, &narg, c->par));
    for (d = 0; d <= PNLME_SIM_DIST_UNIFORM; d++)
      if (!strcasecmp(fname, PnlmeSimDists[d])) {
        found = PETSC_TRUE;
        break;
      }
    PetscCheck(found, comm, PETSC_ERR_ARG_WRONG, "option %s: '%s': unknown distribution '%s' (bernoulli(p), normal(m,s), truncnormal(m,s,lo,hi), uniform(a,b), constant(v))", opt, items[k], fname);
    c->dist = (PnlmeSimDist)d;
    switch (c->dist) {
    case PNLME_SIM_DIST_CONSTANT:
      PetscCheck(narg == 1, comm, PETSC_ERR_ARG_WRONG, "option %s: '%s': constant takes 1 argument (v)", opt, items[k]);
      break;
    case PNLME_SIM_DIST_BERNOULLI:
      PetscCheck(narg == 1, comm, PETSC_ERR_ARG_WRONG, "option %s: '%s': bernoulli takes 1 argument (p)", opt, items[k]);
      PetscCheck(c->par[0] >= 0 && c->par[0] <= 1, comm, PETSC_ERR_ARG_WRONG, "option %s: '%s': p must be in [0,1]", opt, items[k]);
      break;
    case PNLME_SIM_DIST_NORMAL:
      PetscCheck(narg == 2, comm, PETSC_ERR_ARG_WRONG, "option %s: '%s': normal takes 2 arguments (mean, sd)", opt, items[k]);
      PetscCheck(c->par[1] >= 0, comm, PETSC_ERR_ARG_WRONG, "option %s: '%s': sd must be >= 0", opt, items[k]);
      break;
    case PNLME_SIM_DIST_TRUNCNORMAL:
      PetscCheck(narg == 4, comm, PETSC_ERR_ARG_WRONG, "option %s: '%s': truncnormal takes 4 arguments (mean, sd, lo, hi)", opt, items[k]);
      PetscCheck(c->par[1] > 0, comm, PETSC_ERR_ARG_WRONG, "option %s: '%s': sd must be > 0", opt, items[k]);
      PetscCheck(c->par[2] < c->par[3], comm, PETSC_ERR_ARG_WRONG, "option %s: '%s': lo must be < hi", opt, items[k]);
      PetscCheck(c->par[2] < c->par[0] + 30 * c->par[1] && c->par[3] > c->par[0] - 30 * c->par[1], comm, PETSC_ERR_ARG_WRONG, "option %s: '%s': [lo,hi] is more than 30 sd away from the mean", opt, items[k]);
      break;
    case PNLME_SIM_DIST_UNIFORM:
      PetscCheck(narg == 2, comm, PETSC_ERR_ARG_WRONG, "option %s: '%s': uniform takes 2 arguments (a, b)", opt, items[k]);
      PetscCheck(c->par[0] <= c->par[1], comm, PETSC_ERR_ARG_WRONG, "option %s: '%s': a must be <= b", opt, items[k]);
      break;
    }
    c->transform = c->dist == PNLME_SIM_DIST_BERNOULLI ? PNLME_COV_NONE : PNLME_COV_LOG;
  }
  /* transforms */
  opt = "-sim_covariate_transform";
  PetscCall(PnlmeSimSplitList(opt, sim->covtrspec, PNLME_SIM_MAX_ITEMS, &n, items));
  for (PetscInt i = 0; i < n; i++) {
    char    *eq = strchr(items[i], '=');
    PetscInt k;
    PetscCheck(eq, comm, PETSC_ERR_ARG_WRONG, "option %s: '%s' is not of the form NAME=log|center|none", opt, items[i]);
    *eq = 0;
    Trim(items[i]);
    Trim(eq + 1);
    PetscCall(CovIndex(sim, opt, items[i], &k));
    if (!strcasecmp(eq + 1, "log")) sim->cov[k].transform = PNLME_COV_LOG;
    else if (!strcasecmp(eq + 1, "center")) sim->cov[k].transform = PNLME_COV_CENTER;
    else if (!strcasecmp(eq + 1, "none")) sim->cov[k].transform = PNLME_COV_NONE;
    else SETERRQ(comm, PETSC_ERR_ARG_WRONG, "option %s: %s: unknown transform '%s' (log, center or none)", opt, items[i], eq + 1);
  }
  /* a log transform needs positive values: what can be decided now is decided now (normal: at draw time) */
  for (PetscInt k = 0; k < sim->ncov; k++) {
    PnlmeSimCovariate *c = &sim->cov[k];
    if (c->transform != PNLME_COV_LOG) continue;
    PetscBool ok = PETSC_TRUE;
    switch (c->dist) {
    case PNLME_SIM_DIST_CONSTANT: ok = c->par[0] > 0 ? PETSC_TRUE : PETSC_FALSE; break;
    case PNLME_SIM_DIST_BERNOULLI: ok = c->par[0] == 1 ? PETSC_TRUE : PETSC_FALSE; break;
    case PNLME_SIM_DIST_TRUNCNORMAL: ok = c->par[2] > 0 ? PETSC_TRUE : PETSC_FALSE; break;
    case PNLME_SIM_DIST_UNIFORM: ok = c->par[0] > 0 ? PETSC_TRUE : PETSC_FALSE; break;
    case PNLME_SIM_DIST_NORMAL: ok = PETSC_TRUE; break;
    }
    PetscCheck(ok, comm, PETSC_ERR_ARG_WRONG, "option -sim_covariate_transform: %s=log but %s can take values <= 0 (use center or none)", c->name, c->name);
  }
  PetscCall(PetscFree(items));
  PetscFunctionReturn(0);
}

/* -sim_beta PARAM.COV=v,... (effects on the transformed scale) */
PetscErrorCode PnlmeSimParseBeta(PnlmeSim sim)
{
  MPI_Comm   comm = PetscObjectComm((PetscObject)sim);
  PetscInt   n;
  char     (*keys)[64];
  PetscReal *vals;
  PetscBool *seen;
  PetscFunctionBegin;
  PetscCall(PetscFree(sim->beta));
  PetscCall(PetscCalloc1(PetscMax(sim->np * sim->ncov, 1), &sim->beta));
  PetscCall(PetscMalloc3(PNLME_SIM_MAX_ITEMS, &keys, PNLME_SIM_MAX_ITEMS, &vals, PetscMax(sim->np * sim->ncov, 1), &seen));
  for (PetscInt i = 0; i < sim->np * sim->ncov; i++) seen[i] = PETSC_FALSE;
  PetscCall(PnlmeParseKeyValues("-sim_beta", sim->betaspec, PNLME_SIM_MAX_ITEMS, &n, keys, vals));
  sim->nbeta = 0;
  for (PetscInt i = 0; i < n; i++) {
    char    *dot = strchr(keys[i], '.');
    PetscInt p, k;
    PetscCheck(dot, comm, PETSC_ERR_ARG_WRONG, "option -sim_beta: '%s' is not of the form PARAM.COVARIATE=value", keys[i]);
    *dot = 0;
    PetscCall(ParamIndex(sim, "-sim_beta", keys[i], &p));
    PetscCall(CovIndex(sim, "-sim_beta", dot + 1, &k));
    PetscCheck(!seen[p * sim->ncov + k], comm, PETSC_ERR_ARG_WRONG, "option -sim_beta: %s.%s given twice", keys[i], dot + 1);
    seen[p * sim->ncov + k]      = PETSC_TRUE;
    sim->beta[p * sim->ncov + k] = vals[i];
    if (vals[i] != 0) sim->nbeta++;
  }
  PetscCall(PetscFree3(keys, vals, seen));
  PetscFunctionReturn(0);
}

/* one -sim_times entry: t | u(a,b) | +d | +u(a,b) */
static PetscErrorCode ParseTimeItem(const char opt[], const char item[], PnlmeSimTimeItem *ti)
{
  const char *s   = item;
  PetscBool   inc = PETSC_FALSE;
  PetscFunctionBegin;
  if (*s == '+') {
    inc = PETSC_TRUE;
    s++;
    while (isspace((unsigned char)*s)) s++;
  }
  if (strchr(s, '(')) {
    char     fname[PNLME_SIM_NAME_LEN];
    PetscInt narg;
    PetscReal args[4];
    PetscCall(PnlmeSimParseCall(opt, item, s, fname, 4, &narg, args));
    PetscCheck(!strcmp(fname, "u") || !strcasecmp(fname, "uniform"), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: '%s': unknown function '%s' (t, u(a,b), +d or +u(a,b))", opt, item, fname);
    PetscCheck(narg == 2 && args[0] <= args[1], PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: '%s': u(a,b) needs a <= b", opt, item);
    ti->kind = inc ? PNLME_SIM_TIME_INCUNIF : PNLME_SIM_TIME_UNIF;
    ti->a    = args[0];
    ti->b    = args[1];
  } else {
    PetscCall(ParseNumber(opt, item, s, &ti->a));
    ti->b    = ti->a;
    ti->kind = inc ? PNLME_SIM_TIME_INC : PNLME_SIM_TIME_ABS;
  }
  PetscCheck(!inc || ti->a >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: '%s': an increment must be >= 0", opt, item);
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseIntList(PnlmeSim sim, const char opt[], const char str[], PetscInt maxn, PetscInt *n, PetscInt vals[])
{
  char (*items)[PNLME_SIM_ITEM_LEN];
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(PNLME_SIM_MAX_ITEMS, &items));
  PetscCall(PnlmeSimSplitList(opt, str, PetscMin(maxn, PNLME_SIM_MAX_ITEMS), n, items));
  for (PetscInt i = 0; i < *n; i++) {
    char *end;
    long  v = strtol(items[i], &end, 10);
    PetscCheck(end != items[i] && *end == 0 && v > 0 && v < 100000, PetscObjectComm((PetscObject)sim), PETSC_ERR_ARG_WRONG, "option %s: '%s' is not a positive integer", opt, items[i]);
    vals[i] = (PetscInt)v;
  }
  PetscCall(PetscFree(items));
  PetscFunctionReturn(0);
}

/* -sim_times, -sim_nobs_min/max, -sim_tmax, -sim_obs_cmt */
PetscErrorCode PnlmeSimParseDesign(PnlmeSim sim)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)sim);
  const char *opt = "-sim_times";
  char (*items)[PNLME_SIM_ITEM_LEN];
  PetscInt n, cmts[16];
  PetscFunctionBegin;
  PetscCheck(sim->timespec[0], comm, PETSC_ERR_ARG_WRONG, "option -sim_times: missing (the sampling times, e.g. 0,u(0.4,1.4),+1,+1)");
  PetscCall(PetscMalloc1(PNLME_SIM_MAX_ITEMS, &items));
  PetscCall(PnlmeSimSplitList(opt, sim->timespec, PNLME_SIM_MAX_ITEMS, &n, items));
  PetscCall(PetscFree(sim->titem));
  PetscCall(PetscMalloc1(n, &sim->titem));
  sim->nt = n;
  for (PetscInt i = 0; i < n; i++) {
    PnlmeSimTimeItem *ti = &sim->titem[i];
    PetscCall(ParseTimeItem(opt, items[i], ti));
    switch (ti->kind) {
    case PNLME_SIM_TIME_ABS:
    case PNLME_SIM_TIME_UNIF:
      ti->lo = ti->a;
      ti->hi = ti->b;
      PetscCheck(i == 0 || ti->lo >= sim->titem[i - 1].hi, comm, PETSC_ERR_ARG_WRONG, "option %s: entry %d '%s' can come before entry %d (times must not decrease)", opt, (int)i + 1, items[i], (int)i);
      break;
    case PNLME_SIM_TIME_INC:
    case PNLME_SIM_TIME_INCUNIF:
      PetscCheck(i > 0, comm, PETSC_ERR_ARG_WRONG, "option %s: the first entry '%s' is an increment with no previous time", opt, items[i]);
      ti->lo = sim->titem[i - 1].lo + ti->a;
      ti->hi = sim->titem[i - 1].hi + ti->b;
      break;
    }
  }
  PetscCall(PetscFree(items));
  sim->nlo = sim->nobsmin == PETSC_DECIDE ? sim->nt : sim->nobsmin;
  sim->nhi = sim->nobsmax == PETSC_DECIDE ? sim->nt : sim->nobsmax;
  PetscCheck(sim->nlo >= 1 && sim->nlo <= sim->nhi, comm, PETSC_ERR_ARG_WRONG, "options -sim_nobs_min %d -sim_nobs_max %d: need 1 <= min <= max", (int)sim->nlo, (int)sim->nhi);
  PetscCheck(sim->nhi <= sim->nt, comm, PETSC_ERR_ARG_WRONG, "option -sim_nobs_max %d: -sim_times has only %d entries", (int)sim->nhi, (int)sim->nt);
  PetscCheck(sim->titem[0].hi <= sim->tmax, comm, PETSC_ERR_ARG_WRONG, "option -sim_tmax %.6g: the first sampling time can be later (up to %.6g): a subject could have no observation", (double)sim->tmax, (double)sim->titem[0].hi);
  /* observed outputs */
  if (sim->obscmtspec[0]) {
    PetscCall(ParseIntList(sim, "-sim_obs_cmt", sim->obscmtspec, 16, &n, cmts));
  } else {
    n       = 1;
    cmts[0] = sim->model->outcmt[0];
  }
  PetscCall(PetscFree2(sim->outcmt, sim->outidx));
  PetscCall(PetscMalloc2(n, &sim->outcmt, n, &sim->outidx));
  sim->nout = n;
  for (PetscInt i = 0; i < n; i++) {
    PetscCall(PnlmeModelGetOutputIndex(sim->model, cmts[i], &sim->outidx[i]));
    PetscCheck(sim->outidx[i] >= 0, comm, PETSC_ERR_ARG_WRONG, "option -sim_obs_cmt: the model has no output with CMT %d", (int)cmts[i]);
    for (PetscInt j = 0; j < i; j++) PetscCheck(cmts[j] != cmts[i], comm, PETSC_ERR_ARG_WRONG, "option -sim_obs_cmt: CMT %d given twice", (int)cmts[i]);
    sim->outcmt[i] = cmts[i];
  }
  PetscFunctionReturn(0);
}

/* -sim_dose_* */
PetscErrorCode PnlmeSimParseDose(PnlmeSim sim)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)sim);
  PetscInt state;
  PetscFunctionBegin;
  PetscCall(PetscFree(sim->dosetime));
  sim->ndose       = 0;
  sim->doseper_idx = -1;
  if (sim->doseamt == 0) {
    PetscCheck(!sim->dosetimespec[0] && sim->dosen == 0 && sim->doserate == 0 && sim->doseduration == 0 && !sim->doseper[0], comm, PETSC_ERR_ARG_WRONG, "options -sim_dose_*: a dose design needs -sim_dose_amt > 0");
    PetscCall(PetscMalloc1(1, &sim->dosetime));
    PetscFunctionReturn(0);
  }
  PetscCheck(sim->doseamt > 0, comm, PETSC_ERR_ARG_WRONG, "option -sim_dose_amt %.6g: must be > 0", (double)sim->doseamt);
  if (sim->dosecmt == PETSC_DECIDE) {
    PetscCheck(sim->model->ndose > 0, comm, PETSC_ERR_ARG_WRONG, "option -sim_dose_amt: model %s has no dosing compartment", ((PetscObject)sim->model)->type_name);
    sim->dosecmt = sim->model->dosecmt[0];
  }
  PetscCall(PnlmeModelGetDoseState(sim->model, sim->dosecmt, &state));
  PetscCheck(state >= 0, comm, PETSC_ERR_ARG_WRONG, "option -sim_dose_cmt %d: model %s has no such dosing compartment", (int)sim->dosecmt, ((PetscObject)sim->model)->type_name);
  PetscCheck(!(sim->dosetimespec[0] && sim->dosen > 0), comm, PETSC_ERR_ARG_WRONG, "options -sim_dose_times and -sim_dose_n: give one of them");
  if (sim->dosen > 0) {
    PetscCheck(sim->dosen == 1 || sim->doseii > 0, comm, PETSC_ERR_ARG_WRONG, "option -sim_dose_n %d: needs -sim_dose_ii > 0", (int)sim->dosen);
    sim->ndose = sim->dosen;
    PetscCall(PetscMalloc1(sim->ndose, &sim->dosetime));
    for (PetscInt i = 0; i < sim->ndose; i++) sim->dosetime[i] = sim->dosestart + i * sim->doseii;
  } else if (sim->dosetimespec[0]) {
    char (*items)[PNLME_SIM_ITEM_LEN];
    PetscInt n;
    PetscCall(PetscMalloc1(PNLME_SIM_MAX_ITEMS, &items));
    PetscCall(PnlmeSimSplitList("-sim_dose_times", sim->dosetimespec, PNLME_SIM_MAX_ITEMS, &n, items));
    PetscCall(PetscMalloc1(n, &sim->dosetime));
    sim->ndose = n;
    for (PetscInt i = 0; i < n; i++) {
      PetscCall(ParseNumber("-sim_dose_times", items[i], items[i], &sim->dosetime[i]));
      PetscCheck(i == 0 || sim->dosetime[i] >= sim->dosetime[i - 1], comm, PETSC_ERR_ARG_WRONG, "option -sim_dose_times: '%s' comes before the previous dose", items[i]);
    }
    PetscCall(PetscFree(items));
  } else {
    sim->ndose = 1;
    PetscCall(PetscMalloc1(1, &sim->dosetime));
    sim->dosetime[0] = sim->dosestart;
  }
  for (PetscInt i = 0; i < sim->ndose; i++) sim->dosetime[i] = PnlmeSimRoundValue(sim, sim->dosetime[i]);
  PetscCheck(!(sim->doserate > 0 && sim->doseduration > 0), comm, PETSC_ERR_ARG_WRONG, "options -sim_dose_rate and -sim_dose_duration: give one of them");
  PetscCheck(sim->doserate >= 0 && sim->doseduration >= 0, comm, PETSC_ERR_ARG_WRONG, "options -sim_dose_rate/-sim_dose_duration: must be > 0");
  if (sim->doseper[0]) PetscCall(CovIndex(sim, "-sim_dose_per", sim->doseper, &sim->doseper_idx));
  PetscFunctionReturn(0);
}
