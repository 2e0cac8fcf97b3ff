/* The options of PnlmeFit: the population model, SAEM, the likelihood, the post-fit and the outputs
   (tables registered at PnlmeInitialize; -help lists them), and PnlmeFitSetFromOptions. */
#include "fit/fitimpl.h"
#include <string.h>

static const PnlmeOption FitOptions[] = {
  {"-fit_theta", PNLME_OPT_STRING, "", NULL, NULL, "Initial typical values, name=value for every parameter (natural scale; required)"},
  {"-fit_omega", PNLME_OPT_STRING, "1 for each", NULL, NULL, "Initial SD of the random effects, name=value (transformed scale)"},
  {"-fit_covariates", PNLME_OPT_STRING, "", NULL, NULL, "Covariate effects to estimate: parameter.column,... (a categorical covariate's name stands for its indicator columns)"},
  {"-fit_fix", PNLME_OPT_STRING, "", NULL, NULL, "Population values held at the given value, not estimated (NONMEM FIX): name=value for a typical value (natural scale), param.column=value for a covariate effect"},
  {"-fit_error", PNLME_OPT_STRING, "constant", NULL, NULL, "Residual error model, one for every output or OUTPUT=model,... (constant, proportional, combined1, combined2, exponential)"},
  {"-fit_error_a", PNLME_OPT_STRING, "1", NULL, NULL, "Initial residual error parameter a (positive), one value or OUTPUT=value,..."},
  {"-fit_error_b", PNLME_OPT_STRING, "0.1", NULL, NULL, "Initial residual error parameter b (positive; proportional part), one value or OUTPUT=value,..."},
  {"-fit_omega_full", PNLME_OPT_BOOL, "false", NULL, NULL, "Estimate a full Omega (default diagonal)"},
  {"-fit_omega_blocks", PNLME_OPT_STRING, "", NULL, NULL, "Block-diagonal Omega: blocks of correlated parameters, e.g. ka+ke,V+Cl"},
  {"-fit_fixed", PNLME_OPT_STRING, "", NULL, NULL, "Parameters without random effect (their typical values are estimated as fixed effects), e.g. ke,V"},
  {"-fit_omega_boundary", PNLME_OPT_REAL, "0.01", "[0, 1)", NULL, "A random effect whose SD (relative to the typical value for an untransformed parameter) falls below this after the annealing is removed for the rest of the run, with a warning (0: never; docs/saem.md)"},
  {"-fit_post", PNLME_OPT_BOOL, "true", NULL, NULL, "After the iterations: conditional modes, likelihood, standard errors (false: the iterations only, for scaling studies; no -output_dir)"},
  {"-estimator", PNLME_OPT_STRING, "saem", NULL, NULL, "Estimator type: saem (stochastic approximation EM, docs/saem.md), vem (variational EM, docs/vem.md), or one registered with PnlmeFitRegister"},
  {"-output_dir", PNLME_OPT_STRING, "", NULL, NULL, "Directory for estimates.csv, likelihood.csv, individuals.csv, results.h5 (checked at start-up)"},
  {"-ode_rtol_mc", PNLME_OPT_REAL, "1e-4", "[0, 1)", NULL, "Relative ODE tolerance of the Monte-Carlo stages (SAEM iterations, importance sampling), if looser than -ode_rtol (0: -ode_rtol)"},
  {"-ode_dense_output_mc", PNLME_OPT_BOOL, "false", NULL, NULL, "dopri5: dense output (observations interpolated) in the Monte-Carlo stages"},
  {"-map_bound", PNLME_OPT_REAL, "8", "(0, inf)", NULL, "The MAP search stays within this many prior SDs of the individual mean"},
  {"-map_gtol", PNLME_OPT_REAL, "1e-3", "(0, inf)", NULL, "Gradient norm accepted as converged when the MAP line search stalls"},
  {"-fim_scalapack_threshold", PNLME_OPT_INT, "200", "[1, 2147483647]", NULL, "Invert the Fisher information with ScaLAPACK from this dimension on (more than one rank)"},
  {"-checkpoint_every", PNLME_OPT_INT, "0", "[0, 2147483647]", NULL, "Write the estimator's state after every this many iterations (0: never)"},
  {"-checkpoint_file", PNLME_OPT_STRING, "<output_dir>/checkpoint.h5", NULL, NULL, "Checkpoint file"},
  {"-restart", PNLME_OPT_STRING, "", NULL, NULL, "Continue the iterations from this checkpoint file"},
};

static const PnlmeOption SAEMOptions[] = {
  {"-saem_k1", PNLME_OPT_INT, "300", "[1, 1000000]", NULL, "SAEM exploration iterations (step 1; the minimum with -saem_auto)"},
  {"-saem_k2", PNLME_OPT_INT, "100", "[0, 1000000]", NULL, "SAEM smoothing iterations (step 1/(k-K1))"},
  {"-saem_auto", PNLME_OPT_BOOL, "true", NULL, NULL, "End the exploration when the complete-data log-likelihood has settled (-saem_k1 is then the minimum)"},
  {"-saem_k1_max", PNLME_OPT_INT, "1500", "[1, 1000000]", NULL, "Longest exploration phase with -saem_auto"},
  {"-saem_auto_window", PNLME_OPT_INT, "200", "[10, 100000]", NULL, "Window (iterations) of the settling test (iterations after the annealing only; at least half of it)"},
  {"-saem_auto_tol", PNLME_OPT_REAL, "0.5", "(0, inf)", NULL, "Settled: the two half-window means of the complete-data log-likelihood differ by less than this many window SDs"},
  {"-saem_chains", PNLME_OPT_INT, "ceil(100/N)", "[1, 1000]", NULL, "Chains per subject"},
  {"-saem_kernels", PNLME_OPT_INTARRAY, "2,2,2", "[0, 100]", NULL, "Iterations of the three MH kernels (independence, component-wise, block)"},
  {"-saem_kernels_explore", PNLME_OPT_INTARRAY, "ceil(kernels/2) with 2+ chains", "[0, 100]", NULL, "Iterations of the three MH kernels during the exploration (with one chain: -saem_kernels)"},
  {"-saem_early_rejection", PNLME_OPT_BOOL, "true", NULL, NULL, "Stop an MH proposal's ODE solve once the observations solved so far make its rejection certain (the same chains, fewer solves)"},
  {"-saem_seed", PNLME_OPT_INT, "1", "[0, 2147483647]", NULL, "Random seed (streams per subject and chain)"},
  {"-saem_sa_iterations", PNLME_OPT_INT, "K1/2", "[0, 1000000]", NULL, "Simulated-annealing iterations"},
  {"-saem_sa_factor", PNLME_OPT_REAL, "0.97", "(0, 1]", NULL, "Largest shrinking factor of variances per annealing iteration"},
  {"-saem_nc_every", PNLME_OPT_INT, "2", "[0, 1000000]", NULL, "Non-centred (interweaving) step every this many iterations after annealing, through the exploration (and SAEM's smoothing, -saem_nc_smoothing) (0: never)"},
  {"-saem_nc_smoothing", PNLME_OPT_BOOL, "true", NULL, NULL, "The non-centred step goes on in the smoothing phase, as a stochastic-approximation step (the averaged statistics move with the chains)"},
  {"-saem_explore_average", PNLME_OPT_BOOL, "true", NULL, NULL, "The smoothing phase starts from the exploration's mean Omega and error parameters over the settling window (-saem_auto_window), not from their last iterate"},
  {"-saem_nc_max_it", PNLME_OPT_INT, "1", "[1, 100]", NULL, "Gauss-Newton iterations of each non-centred step"},
  {"-saem_mixing_lags", PNLME_OPT_INT, "0", "[0, 10000]", NULL, "Measure the chains' mixing over the smoothing iterations: autocorrelations up to this lag, autocorrelation time and model evaluations per effective sample of each random effect, in the summary (0: no; fewer lags than -saem_k2)"},
  {"-saem_print_every", PNLME_OPT_INT, "50", "[0, 2147483647]", NULL, "Progress line every this many iterations (0: none)"},
};

static const char *const PnlmeISStarts[] = {"chains", "mixture", NULL};

static const PnlmeOption LikOptions[] = {
  {"-lik_is_samples", PNLME_OPT_INT, "5000", "[0, 10000000]", NULL, "Most importance-sampling draws per subject for -2LL (0: no importance sampling)"},
  {"-lik_is_adapt", PNLME_OPT_INT, "500", "[0, 10000000]", NULL, "Draws per subject in each round that adapts the proposal before the estimate (0: the first proposal as it is)"},
  {"-lik_is_adapt_rounds", PNLME_OPT_INT, "1", "[0, 100]", NULL, "Rounds of adaptation of the proposal"},
  {"-lik_is_start", PNLME_OPT_ENUM, "mixture", NULL, PnlmeISStarts, "First proposal of importance sampling: chains (the conditional mean and covariance of the iterations) or mixture (the first adaptation round's draws alternate between it and the Laplace approximation at the conditional mode; with -lik_is_adapt 0 the Laplace approximation alone)"},
  {"-lik_is_batch", PNLME_OPT_INT, "500", "[1, 10000000]", NULL, "Draws per subject between two tests of the Monte-Carlo standard error"},
  {"-lik_is_tol", PNLME_OPT_REAL, "0.025", "[0, inf)", NULL, "Stop drawing when the Monte-Carlo SE of -2LL is below this times sqrt(N) (0: always -lik_is_samples)"},
  {"-lik_is_dof", PNLME_OPT_INT, "15", "[1, 1000]", NULL, "Degrees of freedom of the Student-t proposal"},
  {"-lik_is_control_variates", PNLME_OPT_BOOL, "true", NULL, NULL, "Estimate with the Gaussian control variates of the proposal (regression estimator per batch; false: the plain mean of the weights)"},
};

PetscErrorCode PnlmeFitRegisterOptions(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsRegister("fit", "Population fit (PnlmeFit): population model, estimator, post-fit, outputs", NULL, PETSC_STATIC_ARRAY_LENGTH(FitOptions), FitOptions));
  PetscCall(PnlmeOptionsRegister("saem", "SAEM estimator (docs/saem.md)", NULL, PETSC_STATIC_ARRAY_LENGTH(SAEMOptions), SAEMOptions));
  PetscCall(PnlmeOptionsRegister("lik", "-2LL by importance sampling", NULL, PETSC_STATIC_ARRAY_LENGTH(LikOptions), LikOptions));
  PetscFunctionReturn(0);
}

/* find a model parameter by name or fail naming the option */
PetscErrorCode PnlmeFitParamIndex(PnlmeFit fit, const char opt[], const char name[], PetscInt *k)
{
  PetscFunctionBegin;
  PetscCall(PnlmeModelGetParameterIndex(fit->model, name, k));
  PetscCheck(*k >= 0, PetscObjectComm((PetscObject)fit), PETSC_ERR_ARG_WRONG, "option %s: the model has no parameter '%s'", opt, name);
  PetscFunctionReturn(0);
}

/* natural-scale value v of parameter k in the domain of its transform */
static PetscErrorCode CheckDomain(PnlmeFit fit, const char opt[], PetscInt k, PetscReal v)
{
  const char    *name;
  PnlmeTransform tr;
  PetscFunctionBegin;
  PetscCall(PnlmeModelGetParameterName(fit->model, k, &name));
  PetscCall(PnlmeModelGetTransform(fit->model, k, &tr));
  PetscCheck(tr != PNLME_TRANSFORM_LOG || v > 0, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option %s: %s = %g must be positive (log-normal)", opt, name, (double)v);
  PetscCheck(tr != PNLME_TRANSFORM_LOGIT || (v > 0 && v < 1), PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option %s: %s = %g must be in (0,1) (logit-normal)", opt, name, (double)v);
  PetscFunctionReturn(0);
}

/* -fit_fix: typical values (natural scale) and covariate effects held at the given values */
static PetscErrorCode ParseFix(PnlmeFit fit, const char buf[])
{
  char      keys[64][64];
  PetscReal vals[64];
  PetscInt  n, p = fit->p, q = fit->q;
  PetscBool *m;
  PetscFunctionBegin;
  PetscCall(PnlmeParseKeyValues("-fit_fix", buf, 64, &n, keys, vals));
  PetscCall(PetscMalloc1(q * p, &m));
  for (PetscInt i = 0; i < n; i++) {
    if (!strchr(keys[i], '.')) {
      PetscInt  k;
      PetscReal phi[64], z[64];
      PetscCall(PnlmeFitParamIndex(fit, "-fit_fix", keys[i], &k));
      PetscCall(CheckDomain(fit, "-fit_fix", k, vals[i]));
      PnlmeModelTransformToNatural(fit->model, fit->pop.B, phi, NULL);
      phi[k] = vals[i];
      PnlmeModelTransformToGaussian(fit->model, phi, z);
      fit->pop.B[k]    = z[k];
      fit->pop.hold[k] = PETSC_TRUE;
      continue;
    }
    PetscCall(PetscArrayzero(m, q * p));
    PetscCall(PnlmeFitParseEffects(fit->model, fit->data, "-fit_fix", keys[i], m));
    for (PetscInt j = p; j < q * p; j++)
      if (m[j]) {
        fit->pop.mask[j] = fit->pop.hold[j] = PETSC_TRUE;
        fit->pop.B[j]    = vals[i];
      }
  }
  PetscCall(PetscFree(m));
  PetscFunctionReturn(0);
}

/* the options of the EM types (SAEM, VEM): the annealing's factor and the interweaving step */
PetscErrorCode PnlmeFitSetFromOptions_EM(PnlmeFit fit)
{
  PetscObject obj = (PetscObject)fit;
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsGetReal(obj, "-saem_sa_factor", &fit->safactor, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-saem_nc_every", &fit->ncevery, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-saem_nc_max_it", &fit->ncmaxit, NULL));
  PetscFunctionReturn(0);
}

/* the SAEM type's options (its schedule, chains, kernels, early rejection, mixing measurement) */
PetscErrorCode PnlmeFitSetFromOptions_SAEM(PnlmeFit fit)
{
  PetscObject obj  = (PetscObject)fit;
  MPI_Comm    comm = PetscObjectComm(obj);
  PetscInt    nk   = 3;
  PetscBool   flg;
  PetscFunctionBegin;
  PetscCall(PnlmeFitSetFromOptions_EM(fit));
  PetscCall(PnlmeOptionsGetInt(obj, "-saem_k1", &fit->K1, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-saem_k2", &fit->K2, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-saem_nc_smoothing", &fit->ncsmooth, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-saem_explore_average", &fit->exploreavg, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-saem_auto", &fit->autostop, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-saem_k1_max", &fit->K1max, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-saem_auto_window", &fit->autowin, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-saem_auto_tol", &fit->autotol, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-saem_chains", &fit->nchains, NULL));
  PetscCall(PnlmeOptionsGetIntArray(obj, "-saem_kernels", fit->nkern, &nk, &flg));
  PetscCheck(!flg || nk == 3, comm, PETSC_ERR_USER, "option -saem_kernels: three counts (independence, component-wise, block)");
  PetscCheck(fit->nkern[0] + fit->nkern[1] + fit->nkern[2] > 0, comm, PETSC_ERR_USER, "option -saem_kernels: not all zero");
  nk = 3;
  PetscCall(PnlmeOptionsGetIntArray(obj, "-saem_kernels_explore", fit->nkernx, &nk, &flg));
  PetscCheck(!flg || nk == 3, comm, PETSC_ERR_USER, "option -saem_kernels_explore: three counts (independence, component-wise, block)");
  PetscCheck(!flg || fit->nkernx[0] + fit->nkernx[1] + fit->nkernx[2] > 0, comm, PETSC_ERR_USER, "option -saem_kernels_explore: not all zero");
  PetscCall(PnlmeOptionsGetBool(obj, "-saem_early_rejection", &fit->earlyreject, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-saem_sa_iterations", &fit->saiter, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-saem_mixing_lags", &fit->mixlags, NULL));
  PetscCheck(fit->mixlags < fit->K2 || !fit->mixlags, comm, PETSC_ERR_USER, "option -saem_mixing_lags %" PetscInt_FMT ": needs more smoothing iterations than lags (-saem_k2 %" PetscInt_FMT ")", fit->mixlags, fit->K2);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetFromOptions(PnlmeFit fit)
{
  char        buf[4096], keys[64][64];
  PetscReal   vals[64];
  PetscInt    n, p = fit->p, ncov;
  PetscBool   flg, full = PETSC_FALSE;
  PetscObject obj  = (PetscObject)fit;
  MPI_Comm    comm = PetscObjectComm(obj);
  PetscFunctionBegin;
  PetscCheck(fit->model && fit->data, comm, PETSC_ERR_ORDER, "PnlmeFitSetData() and PnlmeFitSetModel() come before PnlmeFitSetFromOptions()");
  PetscCall(PnlmeDataGetCovariateNames(fit->data, &ncov, NULL));
  fit->ncov  = ncov;
  fit->q     = 1 + ncov;
  fit->pop.p = p;
  fit->pop.q = fit->q;
  PetscCheck(!fit->pop.B, comm, PETSC_ERR_ORDER, "PnlmeFitSetFromOptions() can be called once");
  PetscCall(PetscCalloc5(fit->q * p, &fit->pop.B, fit->q * p, &fit->pop.mask, p * p, &fit->pop.Omega, p * p, &fit->pop.L, p * p, &fit->pop.Oinv));
  PetscCall(PetscCalloc1(fit->q * p, &fit->pop.hold));
  for (PetscInt k = 0; k < p; k++) {
    fit->pop.mask[k]          = PETSC_TRUE;
    fit->pop.Omega[k * p + k] = 1.0;
    fit->pop.dropped[k]       = -1;
  }
  /* the population model */
  buf[0] = 0;
  PetscCall(PnlmeOptionsGetString(obj, "-fit_theta", buf, sizeof(buf), &flg));
  PetscCheck(flg, comm, PETSC_ERR_USER, "option -fit_theta is required: initial typical values, e.g. -fit_theta ka=1.5,ke=0.1,V=30");
  {
    PetscReal phi[64];
    PetscBool seen[64] = {PETSC_FALSE};
    PetscCall(PnlmeParseKeyValues("-fit_theta", buf, 64, &n, keys, vals));
    for (PetscInt i = 0; i < n; i++) {
      PetscInt k;
      PetscCall(PnlmeFitParamIndex(fit, "-fit_theta", keys[i], &k));
      phi[k]  = vals[i];
      seen[k] = PETSC_TRUE;
    }
    for (PetscInt k = 0; k < p; k++) {
      const char *name;
      PetscCall(PnlmeModelGetParameterName(fit->model, k, &name));
      PetscCheck(seen[k], comm, PETSC_ERR_USER, "option -fit_theta: no initial value for parameter '%s'", name);
      PetscCall(CheckDomain(fit, "-fit_theta", k, phi[k]));
      { /* a start 30 orders of magnitude from 1 is a typo or a unit error, and SAEM cannot travel that far */
        PnlmeTransform tr;
        PetscCall(PnlmeModelGetTransform(fit->model, k, &tr));
        PetscCheck(tr != PNLME_TRANSFORM_LOG || (phi[k] >= 1e-30 && phi[k] <= 1e30), comm, PETSC_ERR_USER, "option -fit_theta: %s = %g is not a plausible start (log-normal: within [1e-30, 1e30])", name, (double)phi[k]);
      }
    }
    PnlmeModelTransformToGaussian(fit->model, phi, fit->pop.B);
  }
  PetscCall(PnlmeOptionsGetString(obj, "-fit_omega", buf, sizeof(buf), &flg));
  if (flg) {
    PetscCall(PnlmeParseKeyValues("-fit_omega", buf, 64, &n, keys, vals));
    for (PetscInt i = 0; i < n; i++) {
      PetscInt k;
      PetscCall(PnlmeFitParamIndex(fit, "-fit_omega", keys[i], &k));
      PetscCheck(vals[i] > 0 && vals[i] < 1e3, comm, PETSC_ERR_USER, "option -fit_omega: %s = %g must be in (0, 1000)", keys[i], (double)vals[i]);
      fit->pop.Omega[k * p + k] = vals[i] * vals[i];
    }
  }
  PetscCall(PnlmeOptionsGetString(obj, "-fit_covariates", buf, sizeof(buf), &flg));
  if (flg && buf[0]) PetscCall(PnlmeFitParseEffects(fit->model, fit->data, "-fit_covariates", buf, fit->pop.mask));
  PetscCall(PnlmeOptionsGetString(obj, "-fit_fix", buf, sizeof(buf), &flg));
  if (flg && buf[0]) PetscCall(ParseFix(fit, buf));
  { /* the error model of every output, and its initial parameters */
    char ebuf[1024] = "", abuf[1024] = "", bbuf[1024] = "";
    PetscCall(PnlmeModelGetNumOutputs(fit->model, &fit->pop.nout));
    PetscCheck(fit->pop.nout >= 1 && fit->pop.nout <= PNLME_POP_MAX_OUTPUTS, comm, PETSC_ERR_SUP, "the model has %" PetscInt_FMT " outputs: 1 to %d are supported", fit->pop.nout, PNLME_POP_MAX_OUTPUTS);
    for (PetscInt k = 0; k < fit->pop.nout; k++) {
      const char *on;
      PetscCall(PnlmeModelGetOutputName(fit->model, k, &on));
      PetscCall(PetscStrncpy(fit->pop.outname[k], on, sizeof(fit->pop.outname[k])));
      PetscCall(PnlmeErrorModelFind(PNLME_ERROR_CONSTANT, &fit->pop.err[k]));
      fit->pop.a[k] = 1.0;
      fit->pop.b[k] = 0.1;
    }
    PetscCall(PnlmeOptionsGetString(obj, "-fit_error", ebuf, sizeof(ebuf), NULL));
    PetscCall(PnlmeOptionsGetString(obj, "-fit_error_a", abuf, sizeof(abuf), NULL));
    PetscCall(PnlmeOptionsGetString(obj, "-fit_error_b", bbuf, sizeof(bbuf), NULL));
    PetscCall(PnlmeErrorSetFromStrings(&fit->pop, comm, ebuf, abuf, bbuf));
  }
  PetscCall(PnlmeOptionsGetBool(obj, "-fit_omega_full", &full, NULL));
  for (PetscInt k = 0; k < p; k++) fit->pop.block[k] = full ? 0 : k;
  PetscCall(PnlmeOptionsGetString(obj, "-fit_omega_blocks", buf, sizeof(buf), &flg));
  if (flg && buf[0]) {
    char     *blk, *save = NULL;
    PetscBool inblock[64] = {PETSC_FALSE};
    PetscCheck(!full, comm, PETSC_ERR_USER, "options -fit_omega_full and -fit_omega_blocks exclude each other");
    for (blk = strtok_r(buf, ",", &save); blk; blk = strtok_r(NULL, ",", &save)) {
      char    *name, *save2 = NULL;
      PetscInt first = -1;
      for (name = strtok_r(blk, "+", &save2); name; name = strtok_r(NULL, "+", &save2)) {
        PetscInt k;
        PetscCall(PnlmeFitParamIndex(fit, "-fit_omega_blocks", name, &k));
        PetscCheck(!inblock[k], comm, PETSC_ERR_USER, "option -fit_omega_blocks: parameter '%s' is in two blocks", name);
        inblock[k] = PETSC_TRUE;
        if (first < 0) first = k;
        fit->pop.block[k] = first;
      }
    }
  }
  PetscCall(PnlmeOptionsGetString(obj, "-fit_fixed", buf, sizeof(buf), &flg));
  fit->pop.nfixed = 0;
  if (flg && buf[0]) {
    char *tok, *save = NULL;
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      PetscInt k;
      PetscCall(PnlmeFitParamIndex(fit, "-fit_fixed", tok, &k));
      PetscCheck(!fit->pop.fixed[k], comm, PETSC_ERR_USER, "option -fit_fixed: parameter '%s' given twice", tok);
      for (PetscInt l = 0; l < p; l++) PetscCheck(l == k || fit->pop.block[l] != fit->pop.block[k], comm, PETSC_ERR_USER, "option -fit_fixed: parameter '%s' has no random effect and cannot be in an Omega block", tok);
      fit->pop.fixed[k]         = PETSC_TRUE;
      fit->pop.Omega[k * p + k] = 1.0; /* the regular stand-in, see PnlmePop */
      fit->pop.nfixed++;
    }
    PetscCheck(fit->pop.nfixed < p, comm, PETSC_ERR_USER, "option -fit_fixed: at least one parameter needs a random effect");
  }
  fit->pop.npairs = 0;
  for (PetscInt k = 0; k < p; k++)
    for (PetscInt l = k + 1; l < p; l++) fit->pop.npairs += fit->pop.block[k] == fit->pop.block[l];
  fit->pop.full = (PetscBool)(fit->pop.npairs > 0);
  PetscCall(PnlmeOptionsGetReal(obj, "-fit_omega_boundary", &fit->omegamin, NULL));
  /* every estimator: the seed (SAEM's chains, VEM's draws, importance sampling) and the progress lines;
     the SAEM type's own options in PnlmeFitSetFromOptions_SAEM, those of the EM types in
     PnlmeFitSetFromOptions_EM: another type leaves them unread, and a run that sets one fails */
  PetscCall(PnlmeOptionsGetInt(obj, "-saem_seed", &fit->seed, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-saem_print_every", &fit->printevery, NULL));
  /* likelihood, post-fit, outputs */
  PetscCall(PnlmeOptionsGetInt(obj, "-lik_is_samples", &fit->nis, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-lik_is_adapt", &fit->isadapt, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-lik_is_adapt_rounds", &fit->isrounds, NULL));
  {
    PetscInt idx = fit->ismixture ? 1 : 0;
    PetscCall(PnlmeOptionsGetEnum(obj, "-lik_is_start", &idx, NULL));
    fit->ismixture = idx == 1 ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscCall(PnlmeOptionsGetInt(obj, "-lik_is_batch", &fit->isbatch, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-lik_is_tol", &fit->istol, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-lik_is_dof", &fit->isdof, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-lik_is_control_variates", &fit->iscv, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-ode_rtol_mc", &fit->mc_rtol, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-ode_dense_output_mc", &fit->mc_dense, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-fim_scalapack_threshold", &fit->fimthreshold, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-map_bound", &fit->mapbound, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-map_gtol", &fit->mapgtol, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-fit_post", &fit->post, NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-output_dir", fit->outdir, sizeof(fit->outdir), NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-checkpoint_every", &fit->ckevery, NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-checkpoint_file", fit->ckfile, sizeof(fit->ckfile), NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-restart", fit->restart, sizeof(fit->restart), NULL));
  {
    char      type[64];
    PetscBool set;
    PetscBool found;
    PetscCall(PetscStrncpy(type, obj->type_name ? obj->type_name : PNLMEFITSAEM, sizeof(type)));
    PetscCall(PnlmeOptionsGetString(obj, "-estimator", type, sizeof(type), &set));
    PetscCall(PnlmeFitTypeRegistered(type, &found)); /* a misspelt name: the option's error */
    if (!found) {
      char list[256];
      PetscCall(PnlmeFitListTypes(list, sizeof(list)));
      SETERRQ(comm, PETSC_ERR_USER, "option -estimator '%s': not one of %s", type, list);
    }
    PetscCall(PnlmeFitSetType(fit, type));
  }
  PetscCall(PnlmeFitSetFromOptions_VPC(fit));
  if (fit->ops->setfromoptions) PetscCall((*fit->ops->setfromoptions)(fit)); /* the type's own options (VEM: its schedule, draws) */
  PetscCheck(!fit->autostop || fit->K1max >= fit->K1, comm, PETSC_ERR_USER, "option -saem_k1_max %" PetscInt_FMT " is below -saem_k1 %" PetscInt_FMT, fit->K1max, fit->K1);
  PetscCheck(fit->post || !fit->outdir[0], comm, PETSC_ERR_USER, "option -fit_post false: the result files need the conditional modes and the likelihood; drop -output_dir");
  if (fit->saiter == PETSC_DECIDE) fit->saiter = fit->K1 / 2; /* annealing over half of the (minimum) exploration */
  fit->K1min = fit->K1;
  if (fit->autostop) fit->K1 = fit->K1max; /* until the settling test ends it */
  fit->optionsset = PETSC_TRUE;
  PetscFunctionReturn(0);
}
