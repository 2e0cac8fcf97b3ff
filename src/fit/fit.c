/* PnlmeFit: lifecycle, options, set-up (design, statistics, chains) and the result table. */
#include "fit/fitimpl.h"
#include <string.h>

PETSC_INTERN PetscErrorCode PnlmeFitStatSize(PnlmeFit, PetscInt *);

PetscErrorCode PnlmeFitCreate(MPI_Comm comm, PnlmeFit *fit)
{
  PnlmeFit f;
  PetscFunctionBegin;
  PetscValidPointer(fit, 2);
  PetscCall(PnlmeInitialize());
  PetscCall(PetscHeaderCreate(f, PNLME_CLASSID, "PnlmeFit", "Population fit", "Fit", comm, PnlmeFitDestroy, PnlmeFitView));
  PetscCall(PetscObjectChangeTypeName((PetscObject)f, "saem"));
  f->K1         = 300;
  f->K2         = 100;
  f->nchains    = PETSC_DECIDE;
  f->nkern[0]   = 2;
  f->nkern[1]   = 2;
  f->nkern[2]   = 2;
  f->saiter     = PETSC_DECIDE;
  f->safactor   = 0.97;
  f->seed       = 1;
  f->printevery = 50;
  f->nis        = 5000;
  f->isdof      = 15;
  f->isadapt    = 500;
  f->isrounds   = 2;
  f->isbatch    = 500;
  f->istol      = 0.025;
  f->mapgtol    = 1e-3;
  f->mapbound   = 8.0;
  f->fimthreshold = 200;
  f->ncevery    = 2;
  f->ncmaxit    = 1;
  f->mc_rtol = 1e-4;
  f->mc_dense = PETSC_FALSE;
  f->post     = PETSC_TRUE;
  f->autostop   = PETSC_TRUE;
  f->K1max      = 1500;
  f->autowin    = 200;
  f->autotol    = 0.5;
  f->pop.err    = PNLME_ERROR_CONSTANT;
  f->pop.a      = 1.0;
  f->pop.b      = 0.1;
  *fit          = f;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetData(PnlmeFit fit, PnlmeData data)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectReference((PetscObject)data));
  PetscCall(PnlmeDataDestroy(&fit->data));
  fit->data = data;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetModel(PnlmeFit fit, PnlmeModel model)
{
  PetscInt p;
  PetscFunctionBegin;
  PetscCall(PnlmeModelGetNumParameters(model, &p));
  PetscCheck(p <= 64, PetscObjectComm((PetscObject)fit), PETSC_ERR_ARG_OUTOFRANGE, "at most 64 individual parameters");
  PetscCall(PetscObjectReference((PetscObject)model));
  PetscCall(PnlmeModelDestroy(&fit->model));
  fit->model = model;
  fit->p     = p;
  PetscFunctionReturn(0);
}

/* find a model parameter by name or fail naming the option */
static PetscErrorCode ParamIndex(PnlmeFit fit, const char opt[], const char name[], PetscInt *k)
{
  PetscFunctionBegin;
  PetscCall(PnlmeModelGetParameterIndex(fit->model, name, k));
  PetscCheck(*k >= 0, PetscObjectComm((PetscObject)fit), PETSC_ERR_ARG_WRONG, "option %s: the model has no parameter '%s'", opt, name);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetFromOptions(PnlmeFit fit)
{
  char      buf[4096], keys[64][64];
  PetscReal vals[64];
  PetscInt  n, p = fit->p, ncov, nk = 3;
  PetscBool flg, full = PETSC_FALSE;
  const char *const *cov;
  PetscFunctionBegin;
  PetscCheck(fit->model && fit->data, PetscObjectComm((PetscObject)fit), PETSC_ERR_ORDER, "PnlmeFitSetData() and PnlmeFitSetModel() come before PnlmeFitSetFromOptions()");
  PetscCall(PnlmeDataGetCovariateNames(fit->data, &ncov, &cov));
  fit->ncov = ncov;
  fit->q    = 1 + ncov;
  fit->pop.p = p;
  fit->pop.q = fit->q;
  PetscCheck(!fit->pop.B, PetscObjectComm((PetscObject)fit), PETSC_ERR_ORDER, "PnlmeFitSetFromOptions() can be called once");
  PetscCall(PetscCalloc5(fit->q * p, &fit->pop.B, fit->q * p, &fit->pop.mask, p * p, &fit->pop.Omega, p * p, &fit->pop.L, p * p, &fit->pop.Oinv));
  for (PetscInt k = 0; k < p; k++) {
    fit->pop.mask[k]             = PETSC_TRUE;
    fit->pop.Omega[k * p + k]    = 1.0;
  }
  PetscObjectOptionsBegin((PetscObject)fit);
  PetscCall(PetscOptionsString("-fit_theta", "Initial typical values, name=value for every parameter (natural scale)", "PnlmeFitSetFromOptions", "", buf, sizeof(buf), &flg));
  PetscCheck(flg, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -fit_theta is required: initial typical values, e.g. -fit_theta ka=1.5,ke=0.1,V=30");
  {
    PetscReal phi[64];
    PetscBool seen[64] = {PETSC_FALSE};
    PetscCall(PnlmeParseKeyValues("-fit_theta", buf, 64, &n, keys, vals));
    for (PetscInt i = 0; i < n; i++) {
      PetscInt k;
      PetscCall(ParamIndex(fit, "-fit_theta", keys[i], &k));
      phi[k]  = vals[i];
      seen[k] = PETSC_TRUE;
    }
    for (PetscInt k = 0; k < p; k++) {
      const char    *name;
      PnlmeTransform tr;
      PetscCall(PnlmeModelGetParameterName(fit->model, k, &name));
      PetscCall(PnlmeModelGetTransform(fit->model, k, &tr));
      PetscCheck(seen[k], PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -fit_theta: no initial value for parameter '%s'", name);
      PetscCheck(tr != PNLME_TRANSFORM_LOG || phi[k] > 0, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -fit_theta: %s = %g must be positive (log-normal)", name, (double)phi[k]);
      PetscCheck(tr != PNLME_TRANSFORM_LOGIT || (phi[k] > 0 && phi[k] < 1), PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -fit_theta: %s = %g must be in (0,1) (logit-normal)", name, (double)phi[k]);
    }
    PnlmeModelTransformToGaussian(fit->model, phi, fit->pop.B);
  }
  PetscCall(PetscOptionsString("-fit_omega", "Initial SD of the random effects, name=value (default 1)", "PnlmeFitSetFromOptions", "", buf, sizeof(buf), &flg));
  if (flg) {
    PetscCall(PnlmeParseKeyValues("-fit_omega", buf, 64, &n, keys, vals));
    for (PetscInt i = 0; i < n; i++) {
      PetscInt k;
      PetscCall(ParamIndex(fit, "-fit_omega", keys[i], &k));
      PetscCheck(vals[i] > 0, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -fit_omega: %s = %g must be positive", keys[i], (double)vals[i]);
      fit->pop.Omega[k * p + k] = vals[i] * vals[i];
    }
  }
  PetscCall(PetscOptionsString("-fit_covariates", "Covariate effects to estimate: parameter.column,...", "PnlmeFitSetFromOptions", "", buf, sizeof(buf), &flg));
  if (flg && buf[0]) PetscCall(PnlmeFitParseEffects(fit->model, fit->data, "-fit_covariates", buf, fit->pop.mask));
  PetscCall(PetscOptionsEnum("-fit_error", "Residual error model", "PnlmeFitSetFromOptions", PnlmeErrorModels, (PetscEnum)fit->pop.err, (PetscEnum *)&fit->pop.err, NULL));
  PetscCall(PetscOptionsReal("-fit_error_a", "Initial residual error parameter a", "PnlmeFitSetFromOptions", fit->pop.a, &fit->pop.a, NULL));
  PetscCall(PetscOptionsReal("-fit_error_b", "Initial residual error parameter b (proportional part)", "PnlmeFitSetFromOptions", fit->pop.b, &fit->pop.b, NULL));
  PetscCheck(fit->pop.a > 0, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -fit_error_a must be positive");
  PetscCheck(fit->pop.b > 0, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -fit_error_b must be positive");
  if (fit->pop.err == PNLME_ERROR_PROPORTIONAL) fit->pop.a = 0;
  PetscCall(PetscOptionsBool("-fit_omega_full", "Estimate a full Omega (default diagonal)", "PnlmeFitSetFromOptions", full, &full, NULL));
  for (PetscInt k = 0; k < p; k++) fit->pop.block[k] = full ? 0 : k;
  PetscCall(PetscOptionsString("-fit_omega_blocks", "Block-diagonal Omega: blocks of correlated parameters, e.g. ka+ke,V+Cl", "PnlmeFitSetFromOptions", "", buf, sizeof(buf), &flg));
  if (flg && buf[0]) {
    char     *blk, *save = NULL;
    PetscBool inblock[64] = {PETSC_FALSE};
    PetscCheck(!full, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "options -fit_omega_full and -fit_omega_blocks exclude each other");
    for (blk = strtok_r(buf, ",", &save); blk; blk = strtok_r(NULL, ",", &save)) {
      char    *name, *save2 = NULL;
      PetscInt first = -1;
      for (name = strtok_r(blk, "+", &save2); name; name = strtok_r(NULL, "+", &save2)) {
        PetscInt k;
        PetscCall(ParamIndex(fit, "-fit_omega_blocks", name, &k));
        PetscCheck(!inblock[k], PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -fit_omega_blocks: parameter '%s' is in two blocks", name);
        inblock[k] = PETSC_TRUE;
        if (first < 0) first = k;
        fit->pop.block[k] = first;
      }
    }
  }
  PetscCall(PetscOptionsString("-fit_fixed", "Parameters without random effect (estimated as fixed effects), e.g. ke,V", "PnlmeFitSetFromOptions", "", buf, sizeof(buf), &flg));
  fit->pop.nfixed = 0;
  if (flg && buf[0]) {
    char *tok, *save = NULL;
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      PetscInt k;
      PetscCall(ParamIndex(fit, "-fit_fixed", tok, &k));
      PetscCheck(!fit->pop.fixed[k], PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -fit_fixed: parameter '%s' given twice", tok);
      for (PetscInt l = 0; l < p; l++)
        PetscCheck(l == k || fit->pop.block[l] != fit->pop.block[k], PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -fit_fixed: parameter '%s' has no random effect and cannot be in an Omega block", tok);
      fit->pop.fixed[k] = PETSC_TRUE;
      fit->pop.Omega[k * p + k] = 1.0; /* the regular stand-in, see PnlmePop */
      fit->pop.nfixed++;
    }
    PetscCheck(fit->pop.nfixed < p, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -fit_fixed: at least one parameter needs a random effect");
  }
  fit->pop.npairs = 0;
  for (PetscInt k = 0; k < p; k++)
    for (PetscInt l = k + 1; l < p; l++) fit->pop.npairs += fit->pop.block[k] == fit->pop.block[l];
  fit->pop.full = (PetscBool)(fit->pop.npairs > 0);
  PetscCall(PetscOptionsInt("-saem_k1", "SAEM exploration iterations (step 1)", "PnlmeFitSetFromOptions", fit->K1, &fit->K1, NULL));
  PetscCall(PetscOptionsInt("-saem_k2", "SAEM smoothing iterations (step 1/(k-K1))", "PnlmeFitSetFromOptions", fit->K2, &fit->K2, NULL));
  PetscCall(PetscOptionsBool("-saem_auto", "End the exploration when the complete-data log-likelihood has settled (-saem_k1 is then the minimum)", "PnlmeFitSetFromOptions", fit->autostop, &fit->autostop, NULL));
  PetscCall(PetscOptionsInt("-saem_k1_max", "Longest exploration phase with -saem_auto", "PnlmeFitSetFromOptions", fit->K1max, &fit->K1max, NULL));
  PetscCall(PetscOptionsInt("-saem_auto_window", "Window (iterations) of the settling test", "PnlmeFitSetFromOptions", fit->autowin, &fit->autowin, NULL));
  PetscCall(PetscOptionsReal("-saem_auto_tol", "Settled: the two half-window means of the complete-data log-likelihood differ by less than this many window SDs", "PnlmeFitSetFromOptions", fit->autotol, &fit->autotol, NULL));
  PetscCall(PetscOptionsInt("-saem_chains", "Chains per subject (default ceil(100/N))", "PnlmeFitSetFromOptions", fit->nchains, &fit->nchains, NULL));
  PetscCall(PetscOptionsIntArray("-saem_kernels", "Iterations of the three MH kernels (independence, component-wise, block)", "PnlmeFitSetFromOptions", fit->nkern, &nk, NULL));
  PetscCall(PetscOptionsInt("-saem_seed", "Random seed", "PnlmeFitSetFromOptions", fit->seed, &fit->seed, NULL));
  PetscCall(PetscOptionsInt("-saem_sa_iterations", "Simulated-annealing iterations (default K1/2)", "PnlmeFitSetFromOptions", fit->saiter, &fit->saiter, NULL));
  PetscCall(PetscOptionsReal("-saem_sa_factor", "Largest shrinking factor of variances per annealing iteration", "PnlmeFitSetFromOptions", fit->safactor, &fit->safactor, NULL));
  PetscCall(PetscOptionsInt("-lik_is_samples", "Most importance-sampling draws per subject for -2LL (0: no importance sampling)", "PnlmeFitLikelihoodIS", fit->nis, &fit->nis, NULL));
  PetscCall(PetscOptionsInt("-lik_is_adapt", "Draws per subject that adapt the proposal before the estimate (0: the chains' moments as they are)", "PnlmeFitLikelihoodIS", fit->isadapt, &fit->isadapt, NULL));
  PetscCall(PetscOptionsInt("-lik_is_adapt_rounds", "Rounds of adaptation of the proposal", "PnlmeFitLikelihoodIS", fit->isrounds, &fit->isrounds, NULL));
  PetscCall(PetscOptionsInt("-lik_is_batch", "Draws per subject between two tests of the Monte-Carlo standard error", "PnlmeFitLikelihoodIS", fit->isbatch, &fit->isbatch, NULL));
  PetscCall(PetscOptionsReal("-lik_is_tol", "Stop drawing when the Monte-Carlo SE of -2LL is below this times sqrt(N) (0: always -lik_is_samples)", "PnlmeFitLikelihoodIS", fit->istol, &fit->istol, NULL));
  PetscCall(PetscOptionsInt("-lik_is_dof", "Degrees of freedom of the Student-t proposal", "PnlmeFitLikelihoodIS", fit->isdof, &fit->isdof, NULL));
  PetscCall(PetscOptionsReal("-ode_rtol_mc", "Relative ODE tolerance of the Monte-Carlo stages (SAEM iterations, importance sampling), if looser than -ode_rtol (0: -ode_rtol)", "PnlmeFitSolve", fit->mc_rtol, &fit->mc_rtol, NULL));
  PetscCall(PetscOptionsBool("-ode_dense_output_mc", "dopri5: dense output (observations interpolated) in the Monte-Carlo stages", "PnlmeFitSolve", fit->mc_dense, &fit->mc_dense, NULL));
  PetscCall(PetscOptionsInt("-saem_nc_every", "Non-centred (interweaving) step every this many exploration iterations after annealing (0: never)", "PnlmeFitNonCentredStep", fit->ncevery, &fit->ncevery, NULL));
  PetscCall(PetscOptionsInt("-saem_nc_max_it", "Gauss-Newton iterations of each non-centred step", "PnlmeFitNonCentredStep", fit->ncmaxit, &fit->ncmaxit, NULL));
  PetscCall(PetscOptionsInt("-fim_scalapack_threshold", "Invert the Fisher information with ScaLAPACK from this dimension on (more than one rank)", "PnlmeFitInvertFIM", fit->fimthreshold, &fit->fimthreshold, NULL));
  PetscCall(PetscOptionsReal("-map_bound", "The MAP search stays within this many prior SDs of the individual mean", "PnlmeFitComputeMAP", fit->mapbound, &fit->mapbound, NULL));
  PetscCall(PetscOptionsReal("-map_gtol", "Gradient norm accepted as converged when the MAP line search stalls", "PnlmeFitComputeMAP", fit->mapgtol, &fit->mapgtol, NULL));
  PetscCall(PetscOptionsBool("-fit_post", "After the iterations: conditional modes, likelihood, standard errors (false: the iterations only, for scaling studies; no -output_dir)", "PnlmeFitSolve", fit->post, &fit->post, NULL));
  PetscCall(PetscOptionsString("-output_dir", "Directory for estimates.csv, likelihood.csv, individuals.csv", "PnlmeFitWriteResults", fit->outdir, fit->outdir, sizeof(fit->outdir), NULL));
  PetscCall(PetscOptionsInt("-saem_print_every", "Progress line every this many iterations (0: none)", "PnlmeFitSetFromOptions", fit->printevery, &fit->printevery, NULL));
  PetscCall(PetscOptionsInt("-checkpoint_every", "Write the SAEM state after every this many iterations (0: never)", "PnlmeFitCheckpointWrite", fit->ckevery, &fit->ckevery, NULL));
  PetscCall(PetscOptionsString("-checkpoint_file", "Checkpoint file (default <output_dir>/checkpoint.h5)", "PnlmeFitCheckpointWrite", fit->ckfile, fit->ckfile, sizeof(fit->ckfile), NULL));
  PetscCall(PetscOptionsString("-restart", "Continue the SAEM iterations from this checkpoint file", "PnlmeFitCheckpointRead", fit->restart, fit->restart, sizeof(fit->restart), NULL));
  {
    const char *const est[] = {"saem", "vem"};
    PetscInt          e     = fit->vem ? 1 : 0;
    PetscCall(PetscOptionsEList("-estimator", "Estimator: saem (stochastic approximation EM) or vem (variational EM, docs/vem.md)", "PnlmeFitSolve", est, 2, est[e], &e, NULL));
    fit->vem = (PetscBool)(e == 1);
  }
  PetscOptionsEnd();
  PetscCall(PnlmeFitSetFromOptions_VPC(fit));
  if (fit->vem) {
    PetscCall(PetscObjectChangeTypeName((PetscObject)fit, "vem"));
    PetscCall(PnlmeFitSetFromOptions_VEM(fit)); /* its own schedule: K1, K2, settling test, burn-in, draws */
  }
  PetscCheck(fit->K1 >= 1 && fit->K2 >= 0, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "options -saem_k1 >= 1 and -saem_k2 >= 0 are required");
  PetscCheck(!fit->autostop || fit->K1max >= fit->K1, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -saem_k1_max %" PetscInt_FMT " is below -saem_k1 %" PetscInt_FMT, fit->K1max, fit->K1);
  PetscCheck(fit->nis >= 0 && fit->isdof >= 1 && fit->isadapt >= 0 && fit->isrounds >= 0 && fit->isbatch >= 1 && fit->istol >= 0, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "options -lik_is_samples >= 0, -lik_is_dof >= 1, -lik_is_adapt >= 0, -lik_is_adapt_rounds >= 0, -lik_is_batch >= 1 and -lik_is_tol >= 0 are required");
  PetscCheck(fit->post || !fit->outdir[0], PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -fit_post false: the result files need the conditional modes and the likelihood; drop -output_dir");
  PetscCheck(fit->mc_rtol >= 0 && fit->mc_rtol < 1, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -ode_rtol_mc %g: must be in [0, 1)", (double)fit->mc_rtol);
  PetscCheck(fit->autowin >= 10 && fit->autotol > 0, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "options -saem_auto_window >= 10 and -saem_auto_tol > 0 are required");
  if (fit->saiter == PETSC_DECIDE) fit->saiter = fit->K1 / 2; /* annealing over half of the (minimum) exploration */
  fit->K1min = fit->K1;
  if (fit->autostop) fit->K1 = fit->K1max; /* until the settling test ends it */
  PetscCheck(fit->nkern[0] >= 0 && fit->nkern[1] >= 0 && fit->nkern[2] >= 0 && fit->nkern[0] + fit->nkern[1] + fit->nkern[2] > 0, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -saem_kernels: non-negative counts, not all zero");
  PetscCheck(fit->safactor > 0 && fit->safactor <= 1, PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "option -saem_sa_factor must be in (0,1]");
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetUp(PnlmeFit fit)
{
  PetscInt     p = fit->p, q = fit->q, nc, maxev, nbeta = 0;
  PetscInt64   nobsl;
  PnlmeSubject s;
  MPI_Comm     comm = PetscObjectComm((PetscObject)fit);
  PetscFunctionBegin;
  if (fit->setupcalled) PetscFunctionReturn(0);
  PetscCheck(fit->pop.B, comm, PETSC_ERR_ORDER, "call PnlmeFitSetFromOptions() before PnlmeFitSetUp()");
  PetscCall(PnlmeDataGetNumSubjects(fit->data, &fit->nlocal, &fit->N));
  PetscCall(PnlmeDataGetNumObservations(fit->data, &nobsl, &fit->Ntot));
  PetscCall(PnlmeDataGetMaxSizes(fit->data, &fit->maxobs, &maxev));
  PetscCheck(fit->N > 0, comm, PETSC_ERR_USER, "the dataset has no subject with observations");
  if (fit->nchains == PETSC_DECIDE) fit->nchains = (PetscInt)((100 + fit->N - 1) / fit->N); /* saemix: ceil(50/N); twice that steadies small cohorts (docs/saem.md) */
  nc = fit->nchains;
  PetscCall(PnlmePopFactor(&fit->pop));
  fit->pop.nfree = 0;
  for (PetscInt j = 0; j < q * p; j++) fit->pop.nfree += fit->pop.mask[j] && !fit->pop.fixed[j % p];
  PetscCall(PetscMalloc4(fit->pop.nfree * fit->pop.nfree, &fit->pop.lsA, fit->pop.nfree, &fit->pop.lsr, fit->pop.nfree, &fit->pop.lspiv, fit->pop.nfree, &fit->pop.lsidx));
  PetscCall(PetscMalloc1(q * p, &fit->pop.active));
  PetscCall(PetscArraycpy(fit->pop.active, fit->pop.mask, q * p));
  PetscCall(PetscCalloc5(fit->nlocal * q, &fit->x, fit->nlocal * p, &fit->mi, fit->nlocal * nc * p, &fit->z, fit->nlocal * nc, &fit->ll, fit->nlocal + 1, &fit->predoff));
  PetscCall(PetscMalloc1(fit->nlocal * nc, &fit->rng));
  PetscCall(PetscMalloc5(p, &fit->zp, p, &fit->phi, PetscMax(1, fit->maxobs), &fit->predp, p, &fit->e, p, &fit->perm));
  fit->predoff[0] = 0;
  for (PetscInt i = 0; i < fit->nlocal; i++) {
    PetscCall(PnlmeDataGetSubject(fit->data, i, &s));
    fit->x[i * q] = 1.0;
    for (PetscInt c = 0; c < fit->ncov; c++) fit->x[i * q + 1 + c] = s.cov[c];
    fit->predoff[i + 1] = fit->predoff[i] + s.nobs;
    for (PetscInt c = 0; c < nc; c++) PnlmeRNGInit(&fit->rng[i * nc + c], (uint64_t)fit->seed, (uint64_t)s.gindex, (uint64_t)c);
    if (fit->pop.err == PNLME_ERROR_EXPONENTIAL)
      for (PetscInt j = 0; j < s.nobs; j++) PetscCheck(s.dv[j] > 0, PETSC_COMM_SELF, PETSC_ERR_USER, "-fit_error exponential needs positive observations; subject ID %" PetscInt64_FMT " has %g", s.id, (double)s.dv[j]);
  }
  PetscCall(PetscMalloc1(fit->predoff[fit->nlocal] * nc, &fit->pred));
  PetscCall(PetscCalloc2(fit->nlocal * p, &fit->cmean, fit->nlocal * p * p, &fit->ccov));
  PetscCall(PnlmeFitSetUp_NC(fit));
  PetscCall(PetscCalloc1(fit->nlocal * 2 * p, &fit->nmom));
  PetscCall(PetscMalloc3(fit->nlocal * p, &fit->map, PetscMax(1, fit->maxobs) * p, &fit->sens, PetscMax(1, fit->maxobs), &fit->dldf));
  /* the Gram matrix of the design, exact */
  {
    PnlmeExactSum *g;
    PetscCall(PetscMalloc1(q * q, &g));
    PnlmeExactSumReset(g, q * q);
    for (PetscInt i = 0; i < fit->nlocal; i++)
      for (PetscInt a = 0; a < q; a++)
        for (PetscInt b = 0; b < q; b++) PnlmeExactSumAdd(&g[a * q + b], fit->x[i * q + a] * fit->x[i * q + b]);
    PetscCall(PnlmeExactSumAllreduce(comm, q * q, g));
    PetscCall(PetscMalloc1(q * q, &fit->G));
    for (PetscInt j = 0; j < q * q; j++) fit->G[j] = PnlmeExactSumValue(&g[j]);
    PetscCall(PetscFree(g));
  }
  fit->nv = fit->selcand && fit->sellouis > 0 ? p : 0; /* the posterior variances of the Louis correction */
  if (fit->nv && !fit->vem) PetscCall(PetscCalloc1(fit->nlocal * 2 * p, &fit->vema));
  PetscCall(PnlmeFitStatSize(fit, &fit->nstat));
  PetscCall(PetscCalloc3(fit->nstat, &fit->S, fit->nstat, &fit->s, fit->nstat, &fit->acc));
  for (PetscInt k = 0; k < p; k++) fit->scale[0][k] = fit->scale[1][k] = 0.5;
  for (PetscInt a = 1; a < q; a++)
    for (PetscInt k = 0; k < p; k++) nbeta += fit->pop.mask[a * p + k];
  fit->nhist = p + nbeta + p + fit->pop.npairs + (fit->pop.err == PNLME_ERROR_PROPORTIONAL ? 0 : 1) +
               (fit->pop.err == PNLME_ERROR_PROPORTIONAL || fit->pop.err == PNLME_ERROR_COMBINED1 || fit->pop.err == PNLME_ERROR_COMBINED2 ? 1 : 0);
  PetscCall(PetscMalloc1((fit->K1 + fit->K2) * fit->nhist, &fit->hist));
  PetscCall(PetscCalloc1(fit->K1 + fit->K2, &fit->cdll));
  if (fit->vem) PetscCall(PnlmeFitSetUp_VEM(fit));
  if (fit->selcand) PetscCall(PnlmePopSelectCreate(comm, &fit->pop, fit->selcand, fit->selalpha, fit->sellouis, PetscLogReal((PetscReal)fit->N) + fit->selextra, fit->K1 + fit->K2));
  fit->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* The Monte-Carlo stages (the iterations, importance sampling) solve at the looser -ode_rtol_mc and
   with dopri5's dense output (-ode_dense_output_mc): their sampling error dwarfs the solver's
   (docs/saem.md); the conditional modes, the linearisation and the Fisher information solve with the
   model's own settings, saved at the first call. */
static PetscErrorCode MonteCarloSolves(PnlmeFit fit, PetscBool on)
{
  PetscFunctionBegin;
  if (!fit->odesaved) {
    PetscCall(PnlmeModelGetRelativeTolerance(fit->model, &fit->rtol_saved));
    PetscCall(PnlmeModelGetDenseOutput(fit->model, &fit->dense_saved));
    fit->odesaved = PETSC_TRUE;
  }
  if (fit->rtol_saved > 0) PetscCall(PnlmeModelSetRelativeTolerance(fit->model, on && fit->mc_rtol > fit->rtol_saved ? fit->mc_rtol : fit->rtol_saved));
  PetscCall(PnlmeModelSetDenseOutput(fit->model, on ? (PetscBool)(fit->dense_saved || fit->mc_dense) : fit->dense_saved));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSolve(PnlmeFit fit)
{
  PetscFunctionBegin;
  PetscCall(PnlmeFitSetUp(fit));
  PetscCall(PetscLogStagePush(fit->vem ? PNLME_StageVEM : PNLME_StageSAEM));
  PetscCall(MonteCarloSolves(fit, PETSC_TRUE));
  if (fit->vem) PetscCall(PnlmeFitSolve_VEM(fit));
  else PetscCall(PnlmeFitSolve_SAEM(fit));
  PetscCall(PetscLogStagePop());
  PetscCall(MonteCarloSolves(fit, PETSC_FALSE));
  if (!fit->post) PetscFunctionReturn(0); /* -fit_post false: the iterations only (scaling studies) */
  PetscCall(PetscLogStagePush(PNLME_StageLikelihood));
  PetscCall(PnlmeFitComputeMAP(fit));
  PetscCall(PnlmeFitLinearize(fit));
  PetscCall(MonteCarloSolves(fit, PETSC_TRUE));
  if (fit->nis > 0) PetscCall(PnlmeFitLikelihoodIS(fit));
  PetscCall(MonteCarloSolves(fit, PETSC_FALSE));
  PetscCall(PetscLogStagePop());
  if (fit->outdir[0]) {
    PetscCall(PetscLogStagePush(PNLME_StageOutput));
    PetscCall(PnlmeFitWriteResults(fit, fit->outdir));
    PetscCall(PnlmeFitWriteResultsHDF5(fit, fit->outdir));
    PetscCall(PetscLogStagePop());
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitView(PnlmeFit fit, PetscViewer v)
{
  PetscBool iascii;
  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(PetscObjectComm((PetscObject)fit), &v));
  PetscCall(PetscObjectTypeCompare((PetscObject)v, PETSCVIEWERASCII, &iascii));
  if (!iascii || !fit->niter) PetscFunctionReturn(0);
  if (fit->vem) {
    PetscCall(PetscViewerASCIIPrintf(v, "VEM: %" PetscInt64_FMT " subjects, %" PetscInt64_FMT " observations, %s q, %" PetscInt_FMT " draws and %" PetscInt_FMT " Gauss-Newton steps per subject and iteration, %" PetscInt_FMT " iterations (K1 %" PetscInt_FMT ", K2 %" PetscInt_FMT "), error model %s\n", fit->N, fit->Ntot, fit->vemw.diag ? "diagonal" : "full-covariance", fit->vemw.ndraws, fit->vemw.nsteps, fit->niter, fit->K1, fit->K2, PnlmeErrorModels[fit->pop.err]));
    PetscCall(PetscViewerASCIIPrintf(v, "  ELBO at the last iteration %.3f (-2 ELBO %.3f)\n", (double)fit->cdll[fit->niter - 1], (double)(-2 * fit->cdll[fit->niter - 1])));
  } else {
    PetscCall(PetscViewerASCIIPrintf(v, "SAEM: %" PetscInt64_FMT " subjects, %" PetscInt64_FMT " observations, %" PetscInt_FMT " chains per subject, %" PetscInt_FMT " iterations (K1 %" PetscInt_FMT ", K2 %" PetscInt_FMT "), error model %s\n", fit->N, fit->Ntot, fit->nchains, fit->niter, fit->K1, fit->K2, PnlmeErrorModels[fit->pop.err]));
    /* the communication of an iteration: one MPI_Allreduce of the exact sums (docs: scaling) */
    PetscCall(PetscViewerASCIIPrintf(v, "  per iteration: one exact reduction of %" PetscInt_FMT " statistics (%" PetscInt_FMT " bytes)\n", fit->nstat, fit->nstat * (PetscInt)((PNLME_EXACTSUM_LIMBS + 1) * sizeof(int64_t))));
  }
  PetscCall(PetscViewerASCIIPrintf(v, "  %-24s %14s %12s %8s\n", "parameter", "estimate", "SE", "RSE%"));
  for (PetscInt c = 0; c < fit->nhist; c++) {
    char      name[160];
    PetscReal est = fit->hist[(fit->niter - 1) * fit->nhist + c];
    PetscCall(PnlmeFitColumnName(fit, c, name, sizeof(name)));
    if (fit->se && !PetscIsNanReal(fit->se[c])) PetscCall(PetscViewerASCIIPrintf(v, "  %-24s %14.6g %12.4g %8.1f\n", name, (double)est, (double)fit->se[c], (double)(100 * fit->se[c] / PetscAbsReal(est))));
    else PetscCall(PetscViewerASCIIPrintf(v, "  %-24s %14.6g %12s %8s\n", name, (double)est, "-", "-"));
  }
  if (fit->pop.nfloor) PetscCall(PetscViewerASCIIPrintf(v, "  warning: Omega was singular (a correlation near +-1) at %" PetscInt_FMT " M-steps; the eigenvalues of its correlation matrix were floored at 1e-6: the data do not support this Omega structure\n", fit->pop.nfloor));
  if (fit->nmapfail) PetscCall(PetscViewerASCIIPrintf(v, "  warning: the conditional-mode search did not converge for %" PetscInt_FMT " subjects\n", fit->nmapfail));
  if (!fit->post) PetscCall(PetscViewerASCIIPrintf(v, "  (-fit_post false: no conditional modes, likelihood or standard errors)\n"));
  else {
    PetscReal aic, bic, bicc;
    PetscCall(PetscViewerASCIIPrintf(v, "  %-30s %12s %10s %12s %12s %12s\n", "likelihood", "-2LL", "MC SE", "AIC", "BIC", "BICc"));
    if (fit->nis > 0) {
      PetscCall(PnlmeFitCriteria(fit, fit->m2ll_is, &aic, &bic, &bicc));
      PetscCall(PetscViewerASCIIPrintf(v, "  %-30s %12.3f %10.3f %12.3f %12.3f %12.3f\n", "importance sampling", (double)fit->m2ll_is, (double)fit->mcse_is, (double)aic, (double)bic, (double)bicc));
      PetscCall(PetscViewerASCIIPrintf(v, "  (importance sampling: %" PetscInt_FMT " adaptation + %" PetscInt_FMT " estimation draws per subject)\n", fit->isrounds * fit->isadapt, fit->nisdraws));
    }
    PetscCall(PnlmeFitCriteria(fit, fit->m2ll_lin, &aic, &bic, &bicc));
    PetscCall(PetscViewerASCIIPrintf(v, "  %-30s %12.3f %10s %12.3f %12.3f %12.3f\n", "linearisation", (double)fit->m2ll_lin, "-", (double)aic, (double)bic, (double)bicc));
  }
  {
    PetscInt64 nf = fit->nfailed, np = fit->nproposed, tot[2], loc[2] = {nf, np};
    PetscCallMPI(MPI_Allreduce(loc, tot, 2, MPI_INT64_T, MPI_SUM, PetscObjectComm((PetscObject)fit)));
    PetscCall(PetscViewerASCIIPrintf(v, "  model evaluations %" PetscInt64_FMT ", failed (%s) %" PetscInt64_FMT "\n", tot[1], fit->vem ? "dropped" : "rejected", tot[0]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetTypical(PnlmeFit fit, const char name[], PetscReal *v)
{
  PetscInt  k;
  PetscReal phi[64];
  PetscFunctionBegin;
  PetscCall(ParamIndex(fit, "PnlmeFitGetTypical", name, &k));
  PnlmeModelTransformToNatural(fit->model, fit->pop.B, phi, NULL);
  *v = phi[k];
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetBeta(PnlmeFit fit, const char param[], const char cov[], PetscReal *v)
{
  PetscInt           k, ncov;
  const char *const *names;
  PetscFunctionBegin;
  PetscCall(ParamIndex(fit, "PnlmeFitGetBeta", param, &k));
  PetscCall(PnlmeDataGetCovariateNames(fit->data, &ncov, &names));
  for (PetscInt c = 0; c < ncov; c++)
    if (!strcmp(names[c], cov)) {
      *v = fit->pop.B[(c + 1) * fit->p + k];
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "no covariate column %s", cov);
}

/* effects[c * p + k]: covariate c on parameter k (after SetFromOptions, before SetUp) */
static PetscErrorCode CheckEffectsCall(PnlmeFit fit, const char fn[])
{
  PetscFunctionBegin;
  PetscCheck(fit->pop.B, PetscObjectComm((PetscObject)fit), PETSC_ERR_ORDER, "%s: call PnlmeFitSetFromOptions() first", fn);
  PetscCheck(!fit->setupcalled, PetscObjectComm((PetscObject)fit), PETSC_ERR_ORDER, "%s: the fit is already set up", fn);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetCovariateModel(PnlmeFit fit, const PetscBool effects[])
{
  PetscInt p = fit->p;
  PetscFunctionBegin;
  PetscCall(CheckEffectsCall(fit, "PnlmeFitSetCovariateModel"));
  for (PetscInt j = p; j < fit->q * p; j++) {
    fit->pop.mask[j] = effects[j - p];
    if (!effects[j - p]) fit->pop.B[j] = 0;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitSetCovariateSelection(PnlmeFit fit, const PetscBool candidates[], PetscReal alpha)
{
  PetscInt p = fit->p;
  PetscFunctionBegin;
  PetscCall(CheckEffectsCall(fit, "PnlmeFitSetCovariateSelection"));
  PetscCheck(alpha >= 0 && alpha <= 1, PetscObjectComm((PetscObject)fit), PETSC_ERR_ARG_OUTOFRANGE, "PnlmeFitSetCovariateSelection: alpha %g must be in [0, 1]", (double)alpha);
  if (!fit->selcand) PetscCall(PetscCalloc1(fit->q * p, &fit->selcand));
  for (PetscInt j = p; j < fit->q * p; j++) {
    const char *pn;
    fit->selcand[j] = candidates[j - p];
    if (!candidates[j - p]) continue;
    PetscCall(PnlmeModelGetParameterName(fit->model, j % p, &pn));
    PetscCheck(!fit->pop.fixed[j % p], PetscObjectComm((PetscObject)fit), PETSC_ERR_USER, "covariate selection: parameter '%s' has no random effect (-fit_fixed); its covariate effects cannot be candidates", pn);
    fit->pop.mask[j] = PETSC_TRUE;
  }
  fit->selalpha = alpha;
  fit->sellouis = 0;
  fit->selextra = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetCovariateModel(PnlmeFit fit, PetscBool effects[])
{
  PetscInt p = fit->p;
  PetscFunctionBegin;
  for (PetscInt j = p; j < fit->q * p; j++) effects[j - p] = fit->pop.active ? fit->pop.active[j] : fit->pop.mask[j];
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetOmega(PnlmeFit fit, const char name[], PetscReal *v)
{
  PetscInt k;
  PetscFunctionBegin;
  PetscCall(ParamIndex(fit, "PnlmeFitGetOmega", name, &k));
  *v = fit->pop.fixed[k] ? 0.0 : PetscSqrtReal(fit->pop.Omega[k * fit->p + k]);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetErrorParameters(PnlmeFit fit, PetscReal *a, PetscReal *b)
{
  PetscFunctionBegin;
  if (a) *a = fit->pop.a;
  if (b) *b = fit->pop.b;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitGetHistory(PnlmeFit fit, PetscInt *niter, PetscInt *ncol, const PetscReal **hist)
{
  PetscFunctionBegin;
  *niter = fit->niter;
  *ncol  = fit->nhist;
  *hist  = fit->hist;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeFitDestroy(PnlmeFit *fit)
{
  PnlmeFit f = *fit;
  PetscFunctionBegin;
  if (!f) PetscFunctionReturn(0);
  if (--((PetscObject)f)->refct > 0) {
    *fit = NULL;
    PetscFunctionReturn(0);
  }
  PetscCall(PetscFree5(f->pop.B, f->pop.mask, f->pop.Omega, f->pop.L, f->pop.Oinv));
  PetscCall(PetscFree4(f->pop.lsA, f->pop.lsr, f->pop.lspiv, f->pop.lsidx));
  PetscCall(PetscFree(f->pop.active));
  PetscCall(PnlmePopSelectDestroy(&f->pop));
  PetscCall(PetscFree(f->selcand));
  PetscCall(PetscFree(f->vema));
  PetscCall(PetscFree(f->hist));
  PetscCall(PetscFree(f->cdll));
  PetscCall(PetscFree5(f->x, f->mi, f->z, f->ll, f->predoff));
  PetscCall(PetscFree(f->rng));
  PetscCall(PetscFree5(f->zp, f->phi, f->predp, f->e, f->perm));
  PetscCall(PetscFree(f->pred));
  PetscCall(PetscFree2(f->cmean, f->ccov));
  PetscCall(PnlmeFitDestroy_NC(f));
  PetscCall(PetscFree(f->nmom));
  PetscCall(PetscFree3(f->map, f->sens, f->dldf));
  PetscCall(PetscFree2(f->fim, f->se));
  PetscCall(PetscFree(f->G));
  PetscCall(PetscFree3(f->S, f->s, f->acc));
  PetscCall(PnlmeFitDestroy_VEM(f));
  PetscCall(PnlmeDataDestroy(&f->data));
  PetscCall(PnlmeModelDestroy(&f->model));
  PetscCall(PetscHeaderDestroy(fit));
  PetscFunctionReturn(0);
}
