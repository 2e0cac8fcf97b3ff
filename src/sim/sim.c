/* PnlmeSim: lifecycle, options, set-up and the run (pass 1: covariate means; pass 2: rounds of draws
   written collectively). */
#include "sim/simimpl.h"
#include "pop/popimpl.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>


PetscErrorCode PnlmeSimCreate(MPI_Comm comm, PnlmeSim *simout)
{
  PnlmeSim sim;
  PetscFunctionBegin;
  PetscValidPointer(simout, 2);
  PetscCall(PnlmeInitialize());
  PetscCall(PetscHeaderCreate(sim, PNLME_CLASSID, "PnlmeSim", "Cohort simulator", "Sim", comm, PnlmeSimDestroy, PnlmeSimView));
  sim->nsub         = 100;
  sim->seed         = 1;
  PetscCall(PetscStrncpy(sim->errspec, PNLME_ERROR_CONSTANT, sizeof(sim->errspec)));
  sim->nobsmin      = PETSC_DECIDE;
  sim->nobsmax      = PETSC_DECIDE;
  sim->tmax         = PETSC_MAX_REAL;
  sim->dosecmt      = PETSC_DECIDE;
  sim->digits       = 10;
  sim->roundsub     = 20000;
  sim->maxredraw    = 10;
  sim->summary      = PETSC_TRUE;
  sim->doseper_idx  = -1;
  PetscCall(PetscStrncpy(sim->output, "out/simulated.csv", sizeof(sim->output)));
  *simout = sim;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimSetModel(PnlmeSim sim, PnlmeModel model)
{
  PetscFunctionBegin;
  PetscCall(PetscObjectReference((PetscObject)model));
  PetscCall(PnlmeModelDestroy(&sim->model));
  sim->model       = model;
  sim->setupcalled = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimGetModel(PnlmeSim sim, PnlmeModel *model)
{
  PetscFunctionBegin;
  *model = sim->model;
  PetscFunctionReturn(0);
}

#define SETSTR(field, value) \
  do { \
    PetscCall(PetscStrncpy(sim->field, (value) ? (value) : "", sizeof(sim->field))); \
    sim->setupcalled = PETSC_FALSE; \
  } while (0)

PetscErrorCode PnlmeSimSetNumSubjects(PnlmeSim sim, PetscInt64 n)
{
  PetscFunctionBegin;
  PetscCheck(n >= 1, PetscObjectComm((PetscObject)sim), PETSC_ERR_ARG_OUTOFRANGE, "option -sim_subjects %lld: must be >= 1", (long long)n);
  sim->nsub = n;
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetSeed(PnlmeSim sim, PetscInt64 seed)
{
  PetscFunctionBegin;
  PetscCheck(seed >= 0, PetscObjectComm((PetscObject)sim), PETSC_ERR_ARG_OUTOFRANGE, "option -sim_seed %lld: must be >= 0", (long long)seed);
  sim->seed = seed;
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetOutput(PnlmeSim sim, const char path[])
{
  PetscFunctionBegin;
  PetscCheck(path && path[0], PetscObjectComm((PetscObject)sim), PETSC_ERR_ARG_WRONG, "option -sim_output: empty path");
  SETSTR(output, path);
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetParameterOutput(PnlmeSim sim, const char path[])
{
  PetscFunctionBegin;
  SETSTR(paramoutput, path);
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetTheta(PnlmeSim sim, const char spec[])
{
  PetscFunctionBegin;
  SETSTR(thetaspec, spec);
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetOmega(PnlmeSim sim, const char spec[])
{
  PetscFunctionBegin;
  SETSTR(omegaspec, spec);
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetCorrelation(PnlmeSim sim, const char spec[])
{
  PetscFunctionBegin;
  SETSTR(corrspec, spec);
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetCovariates(PnlmeSim sim, const char spec[])
{
  PetscFunctionBegin;
  SETSTR(covspec, spec);
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetCovariateTransform(PnlmeSim sim, const char spec[])
{
  PetscFunctionBegin;
  SETSTR(covtrspec, spec);
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetBeta(PnlmeSim sim, const char spec[])
{
  PetscFunctionBegin;
  SETSTR(betaspec, spec);
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetError(PnlmeSim sim, const char model[], PetscReal a, PetscReal b)
{
  const PnlmeErrorOps *ops;
  PetscFunctionBegin;
  PetscCall(PnlmeErrorModelFind(model, &ops));
  PetscCheck(ops, PetscObjectComm((PetscObject)sim), PETSC_ERR_ARG_UNKNOWN_TYPE, "PnlmeSimSetError: no error model %s", model);
  PetscCall(PetscStrncpy(sim->errspec, model, sizeof(sim->errspec)));
  sim->erraspec[0] = sim->errbspec[0] = 0;
  if (ops->usea) PetscCall(PetscSNPrintf(sim->erraspec, sizeof(sim->erraspec), "%.17g", (double)a));
  if (ops->useb) PetscCall(PetscSNPrintf(sim->errbspec, sizeof(sim->errbspec), "%.17g", (double)b));
  sim->setupcalled = PETSC_FALSE;
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetTimes(PnlmeSim sim, const char spec[], PetscInt nobsmin, PetscInt nobsmax, PetscReal tmax)
{
  PetscFunctionBegin;
  SETSTR(timespec, spec);
  sim->nobsmin = nobsmin;
  sim->nobsmax = nobsmax;
  sim->tmax    = tmax == PETSC_DEFAULT ? PETSC_MAX_REAL : tmax;
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetObservationCmt(PnlmeSim sim, const char spec[])
{
  PetscFunctionBegin;
  SETSTR(obscmtspec, spec);
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetDose(PnlmeSim sim, PetscReal amt, PetscInt cmt, const char times[])
{
  PetscFunctionBegin;
  sim->doseamt = amt;
  sim->dosecmt = cmt;
  SETSTR(dosetimespec, times);
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeSimSetIPred(PnlmeSim sim, PetscBool flg)
{
  PetscFunctionBegin;
  sim->ipred       = flg;
  sim->setupcalled = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static const PnlmeOption SimOptions[] = {
  {"-sim_subjects", PNLME_OPT_INT, "100", "[1, 2147483647]", NULL, "Number of subjects"},
  {"-sim_seed", PNLME_OPT_INT, "1", "[0, 2147483647]", NULL, "Seed of the per-subject random streams"},
  {"-sim_output", PNLME_OPT_STRING, "out/simulated.csv", NULL, NULL, "CSV file to write"},
  {"-sim_output_params", PNLME_OPT_STRING, "", NULL, NULL, "CSV file of the individual parameters phi (none if empty)"},
  {"-sim_theta", PNLME_OPT_STRING, "", NULL, NULL, "Typical values NAME=v,... (natural scale, every model parameter)"},
  {"-sim_omega", PNLME_OPT_STRING, "", NULL, NULL, "SD of eta NAME=sd,... (transformed scale; missing: 0)"},
  {"-sim_corr", PNLME_OPT_STRING, "", NULL, NULL, "Correlations of eta P1.P2=r,... (missing: 0)"},
  {"-sim_covariates", PNLME_OPT_STRING, "", NULL, NULL, "Covariates NAME=bernoulli(p)|normal(m,s)|truncnormal(m,s,lo,hi)|uniform(a,b)|constant(v),..."},
  {"-sim_covariate_transform", PNLME_OPT_STRING, "log (none for bernoulli)", NULL, NULL, "NAME=log|center|none,..."},
  {"-sim_beta", PNLME_OPT_STRING, "", NULL, NULL, "Covariate effects PARAM.COV=v,... (transformed scale)"},
  {"-sim_error", PNLME_OPT_STRING, "constant", NULL, NULL, "Residual error model, one for every output or OUTPUT=model,... (constant, proportional, combined1, combined2, exponential)"},
  {"-sim_error_a", PNLME_OPT_STRING, "", NULL, NULL, "Error parameter a >= 0 (constant part; exponential: SD on the log scale), one value or OUTPUT=value,..."},
  {"-sim_error_b", PNLME_OPT_STRING, "", NULL, NULL, "Error parameter b >= 0 (proportional part), one value or OUTPUT=value,..."},
  {"-sim_times", PNLME_OPT_STRING, "", NULL, NULL, "Sampling times t|u(a,b)|+d|+u(a,b),..."},
  {"-sim_nobs_min", PNLME_OPT_INT, "all of -sim_times", "[1, 1000000]", NULL, "Fewest sampling times per subject"},
  {"-sim_nobs_max", PNLME_OPT_INT, "all of -sim_times", "[1, 1000000]", NULL, "Most sampling times per subject"},
  {"-sim_tmax", PNLME_OPT_STRING, "none", NULL, NULL, "Latest sampling time (none: no limit)"},
  {"-sim_obs_cmt", PNLME_OPT_STRING, "the model's first output", NULL, NULL, "Observed outputs by CMT C,..."},
  {"-sim_dose_amt", PNLME_OPT_REAL, "0", "[0, inf)", NULL, "Dose amount (0: no doses)"},
  {"-sim_dose_cmt", PNLME_OPT_INT, "the model's first", "[1, 1000000]", NULL, "Dosing compartment"},
  {"-sim_dose_times", PNLME_OPT_STRING, "one dose at -sim_dose_start", NULL, NULL, "Dose times t,..."},
  {"-sim_dose_n", PNLME_OPT_INT, "0", "[0, 1000000]", NULL, "Number of doses every -sim_dose_ii from -sim_dose_start"},
  {"-sim_dose_ii", PNLME_OPT_REAL, "0", "[0, inf)", NULL, "Interval between doses"},
  {"-sim_dose_start", PNLME_OPT_REAL, "0", NULL, NULL, "Time of the first dose"},
  {"-sim_dose_rate", PNLME_OPT_REAL, "0", "[0, inf)", NULL, "Zero-order infusion rate (0: bolus)"},
  {"-sim_dose_duration", PNLME_OPT_REAL, "0", "[0, inf)", NULL, "Zero-order infusion duration (0: bolus)"},
  {"-sim_dose_per", PNLME_OPT_STRING, "", NULL, NULL, "Covariate the dose is per unit of (AMT = amt x covariate)"},
  {"-sim_dose_first", PNLME_OPT_BOOL, "false", NULL, NULL, "At equal times, dose rows before observation rows (default: pre-dose samples)"},
  {"-sim_loq", PNLME_OPT_STRING, "", NULL, NULL, "Limit of quantification, one value or OUTPUT=value,...: an observation below it is written as CENS 1 with DV = the limit"},
  {"-sim_ipred", PNLME_OPT_BOOL, "false", NULL, NULL, "Add a column IPRED (prediction without residual error)"},
  {"-sim_digits", PNLME_OPT_INT, "10", "[4, 17]", NULL, "Significant digits of real numbers in the file"},
  {"-sim_round_subjects", PNLME_OPT_INT, "20000", "[1, 10000000]", NULL, "Subjects per rank per write round (bounds the memory)"},
  {"-sim_max_redraws", PNLME_OPT_INT, "10", "[0, 1000]", NULL, "Redraws of eta after a failed model solve before stopping"},
  {"-sim_summary", PNLME_OPT_BOOL, "true", NULL, NULL, "Print the cohort summary"},
  {"-sim_view", PNLME_OPT_BOOL, "false", NULL, NULL, "Print the specification"},
};

PetscErrorCode PnlmeSimRegisterOptions(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsRegister("sim", "Cohort simulator (PnlmeSim, docs/simulator.md)", NULL, PETSC_STATIC_ARRAY_LENGTH(SimOptions), SimOptions));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimSetFromOptions(PnlmeSim sim)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)sim);
  PetscObject obj  = (PetscObject)sim;
  PetscInt    ival;
  PetscBool   flg;
  char        tmax[64];
  PetscFunctionBegin;
  ival = (PetscInt)sim->nsub;
  PetscCall(PnlmeOptionsGetInt(obj, "-sim_subjects", &ival, &flg));
  if (flg) PetscCall(PnlmeSimSetNumSubjects(sim, ival));
  ival = (PetscInt)sim->seed;
  PetscCall(PnlmeOptionsGetInt(obj, "-sim_seed", &ival, &flg));
  if (flg) PetscCall(PnlmeSimSetSeed(sim, ival));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_output", sim->output, sizeof(sim->output), NULL));
  PetscCheck(sim->output[0], comm, PETSC_ERR_ARG_WRONG, "option -sim_output: empty path");
  PetscCall(PnlmeOptionsGetString(obj, "-sim_output_params", sim->paramoutput, sizeof(sim->paramoutput), NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_theta", sim->thetaspec, sizeof(sim->thetaspec), NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_omega", sim->omegaspec, sizeof(sim->omegaspec), NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_corr", sim->corrspec, sizeof(sim->corrspec), NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_covariates", sim->covspec, sizeof(sim->covspec), NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_covariate_transform", sim->covtrspec, sizeof(sim->covtrspec), NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_beta", sim->betaspec, sizeof(sim->betaspec), NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_error", sim->errspec, sizeof(sim->errspec), NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_error_a", sim->erraspec, sizeof(sim->erraspec), NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_error_b", sim->errbspec, sizeof(sim->errbspec), NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_times", sim->timespec, sizeof(sim->timespec), NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-sim_nobs_min", &sim->nobsmin, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-sim_nobs_max", &sim->nobsmax, NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_tmax", tmax, sizeof(tmax), &flg));
  if (flg) {
    if (!strcmp(tmax, "none")) sim->tmax = PETSC_MAX_REAL;
    else {
      char *end;
      sim->tmax = strtod(tmax, &end);
      PetscCheck(end != tmax && *end == 0 && isfinite(sim->tmax), comm, PETSC_ERR_ARG_WRONG, "option -sim_tmax: '%s' is not a number", tmax);
    }
  }
  PetscCall(PnlmeOptionsGetString(obj, "-sim_obs_cmt", sim->obscmtspec, sizeof(sim->obscmtspec), NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-sim_dose_amt", &sim->doseamt, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-sim_dose_cmt", &sim->dosecmt, NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_dose_times", sim->dosetimespec, sizeof(sim->dosetimespec), NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-sim_dose_n", &sim->dosen, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-sim_dose_ii", &sim->doseii, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-sim_dose_start", &sim->dosestart, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-sim_dose_rate", &sim->doserate, NULL));
  PetscCall(PnlmeOptionsGetReal(obj, "-sim_dose_duration", &sim->doseduration, NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_dose_per", sim->doseper, sizeof(sim->doseper), NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-sim_dose_first", &sim->dosefirst, NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-sim_loq", sim->loqspec, sizeof(sim->loqspec), NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-sim_ipred", &sim->ipred, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-sim_digits", &sim->digits, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-sim_round_subjects", &sim->roundsub, NULL));
  PetscCall(PnlmeOptionsGetInt(obj, "-sim_max_redraws", &sim->maxredraw, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-sim_summary", &sim->summary, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-sim_view", &sim->view, NULL));
  sim->setupcalled = PETSC_FALSE;
  /* the model: -model NAME or -model_plugin PATH */
  if (!sim->model) {
    PetscCall(PnlmeModelCreate(comm, &sim->model));
    PetscCall(PnlmeModelSetFromOptions(sim->model));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimSetUp(PnlmeSim sim)
{
  MPI_Comm comm = PetscObjectComm((PetscObject)sim);
  PetscInt np;
  PetscFunctionBegin;
  if (sim->setupcalled) PetscFunctionReturn(0);
  PetscCheck(sim->model && ((PetscObject)sim->model)->type_name, comm, PETSC_ERR_ARG_WRONG, "no model given: use -model NAME (see -help) or -model_plugin PATH");
  PetscCall(PnlmeModelSetUp(sim->model));
  PetscCall(PnlmeModelGetNumParameters(sim->model, &np));
  /* the residual error model of every output and its parameters: required when used, refused when not */
  {
    PetscBool aset[16], bset[16], mset[16];
    PetscCall(PnlmeModelGetNumOutputs(sim->model, &sim->nmout));
    PetscCheck(sim->nmout <= 16, comm, PETSC_ERR_SUP, "the model has %" PetscInt_FMT " outputs: at most 16", sim->nmout);
    for (PetscInt k = 0; k < sim->nmout; k++) {
      const char *on;
      PetscCall(PnlmeModelGetOutputName(sim->model, k, &on));
      PetscCall(PetscStrncpy(sim->outname[k], on, sizeof(sim->outname[k])));
      sim->erra[k] = sim->errb[k] = 0;
    }
    PetscCall(PnlmeErrorParseOutputs(comm, "-sim_error", sim->errspec, sim->nmout, sim->outname, PETSC_TRUE, PETSC_FALSE, sim->err, NULL, mset));
    PetscCall(PnlmeErrorParseOutputs(comm, "-sim_error_a", sim->erraspec, sim->nmout, sim->outname, PETSC_FALSE, PETSC_TRUE, NULL, sim->erra, aset));
    PetscCall(PnlmeErrorParseOutputs(comm, "-sim_error_b", sim->errbspec, sim->nmout, sim->outname, PETSC_FALSE, PETSC_TRUE, NULL, sim->errb, bset));
    for (PetscInt k = 0; k < sim->nmout; k++) {
      const char *em = sim->err[k]->name;
      char        on[80] = "";
      if (sim->nmout > 1) PetscCall(PetscSNPrintf(on, sizeof(on), " (output %s)", sim->outname[k]));
      PetscCheck(mset[k], comm, PETSC_ERR_PLIB, "no error model for output %s", sim->outname[k]);
      PetscCheck(!sim->err[k]->usea || aset[k], comm, PETSC_ERR_ARG_WRONG, "option -sim_error %s%s: needs -sim_error_a", em, on);
      PetscCheck(!sim->err[k]->useb || bset[k], comm, PETSC_ERR_ARG_WRONG, "option -sim_error %s%s: needs -sim_error_b", em, on);
      PetscCheck(sim->err[k]->usea || !aset[k] || sim->erra[k] == 0, comm, PETSC_ERR_ARG_WRONG, "option -sim_error_a: not used by -sim_error %s%s", em, on);
      PetscCheck(sim->err[k]->useb || !bset[k] || sim->errb[k] == 0, comm, PETSC_ERR_ARG_WRONG, "option -sim_error_b: not used by -sim_error %s%s", em, on);
    }
    for (PetscInt k = 0; k < sim->nmout; k++) sim->loq[k] = 0;
    PetscCall(PnlmeErrorParseOutputs(comm, "-sim_loq", sim->loqspec, sim->nmout, sim->outname, PETSC_FALSE, PETSC_FALSE, NULL, sim->loq, aset));
    sim->hasloq = PETSC_FALSE;
    for (PetscInt k = 0; k < sim->nmout; k++) sim->hasloq = (PetscBool)(sim->hasloq || aset[k]);
  }
  /* parameters, covariates, effects, design, doses */
  PetscCall(PetscFree6(sim->theta, sim->mu, sim->omega, sim->corr, sim->L, sim->zmean));
  PetscCall(PetscFree(sim->zsd));
  sim->np = np;
  PetscCall(PetscMalloc6(np, &sim->theta, np, &sim->mu, np, &sim->omega, np * np, &sim->corr, np * np, &sim->L, np, &sim->zmean));
  PetscCall(PetscMalloc1(np, &sim->zsd));
  PetscCall(PnlmeSimParseParameters(sim));
  PetscCall(PnlmeSimParseCovariates(sim));
  PetscCall(PnlmeSimParseBeta(sim));
  PetscCall(PnlmeSimParseDesign(sim));
  PetscCall(PnlmeSimParseDose(sim));
  sim->hasrate = (sim->ndose && (sim->doserate > 0 || sim->doseduration > 0)) ? PETSC_TRUE : PETSC_FALSE;
  /* per-subject work arrays at the design's maxima */
  sim->maxobs = sim->nt * sim->nout;
  sim->maxev  = sim->maxobs + 2 * sim->ndose;
  PetscCall(PnlmeModelSetMaxSizes(sim->model, sim->maxobs, sim->maxev)); /* models with lags or bioavailabilities */
  PetscCall(PnlmeSimSlotsCreate(sim));
  /* a round of one rank stays well inside the MPI count range */
  {
    size_t per = PnlmeSimSubjectMaxBytes(sim);
    if ((size_t)sim->roundsub * per > ((size_t)1 << 30)) sim->roundsub = (PetscInt)PetscMax(1, ((size_t)1 << 30) / per);
  }
  sim->setupcalled = PETSC_TRUE;
  if (sim->view) PetscCall(PnlmeSimView(sim, PETSC_VIEWER_STDOUT_(comm)));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimRun(PnlmeSim sim)
{
  MPI_Comm           comm = PetscObjectComm((PetscObject)sim);
  PetscMPIInt        rank, size;
  PetscInt64         n = sim->nsub, gstart, gend, nlocal, nround, chunk;
  PnlmeDeferredError err;
  double             t0;
  PetscFunctionBegin;
  PetscCall(PnlmeSimSetUp(sim));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Barrier(comm));
  t0 = MPI_Wtime();
  PetscCall(PetscLogEventBegin(PNLME_Simulate, 0, 0, 0, 0));
  /* pass 1: covariate means over all subjects (exact sums: independent of the ranks) */
  gstart = rank * (n / size) + PetscMin(rank, n % size);
  nlocal = n / size + (rank < n % size ? 1 : 0);
  gend   = gstart + nlocal;
  PetscCall(PnlmeSimCovariateMeans(sim, gstart, gend));
  /* pass 2: rounds over consecutive chunks of roundsub x size subjects; each chunk is split in
     contiguous blocks over the ranks, so the rows of a round are in file order rank after rank */
  chunk  = (PetscInt64)sim->roundsub * size;
  nround = (n + chunk - 1) / chunk;
  PetscCall(PnlmeSimStatsCreate(sim));
  PetscCall(PnlmeOrderedFileOpen(comm, sim->output, "option -sim_output", &sim->csv));
  PetscCall(PnlmeOrderedFileReserve(&sim->csv, (size_t)PetscMin(nlocal, (PetscInt64)sim->roundsub) * PnlmeSimSubjectMaxBytes(sim) / 2 + 65536));
  if (sim->paramoutput[0]) PetscCall(PnlmeOrderedFileOpen(comm, sim->paramoutput, "option -sim_output_params", &sim->par));
  if (!rank) {
    PetscCall(PnlmeSimHeader(sim, &sim->csv, PETSC_FALSE));
    if (sim->paramoutput[0]) PetscCall(PnlmeSimHeader(sim, &sim->par, PETSC_TRUE));
  }
  PnlmeDeferredErrorInit(&err);
  for (PetscInt64 r = 0; r < nround; r++) {
    PetscInt64 c0 = r * chunk, m = PetscMin(n - c0, chunk);
    PetscInt64 g0 = c0 + rank * (m / size) + PetscMin(rank, m % size);
    PetscInt64 g1 = g0 + m / size + (rank < m % size ? 1 : 0);
    PetscCall(PnlmeSimSubjects(sim, g0, g1, &err));
    PetscCall(PnlmeDeferredErrorRaise(comm, &err));
    PetscCall(PetscLogEventBegin(PNLME_SimWrite, 0, 0, 0, 0));
    PetscCall(PnlmeOrderedFileWriteRound(comm, &sim->csv));
    if (sim->paramoutput[0]) PetscCall(PnlmeOrderedFileWriteRound(comm, &sim->par));
    PetscCall(PetscLogEventEnd(PNLME_SimWrite, 0, 0, 0, 0));
  }
  sim->sum.filesize = sim->csv.offset;
  PetscCall(PnlmeOrderedFileClose(comm, &sim->csv));
  if (sim->paramoutput[0]) PetscCall(PnlmeOrderedFileClose(comm, &sim->par));
  PetscCall(PnlmeSimStatsReduce(sim));
  PetscCall(PetscLogEventEnd(PNLME_Simulate, 0, 0, 0, 0));
  sim->sum.walltime = MPI_Wtime() - t0;
  PetscCallMPI(MPI_Bcast(&sim->sum.walltime, 1, MPIU_REAL, 0, comm));
  sim->ran = PETSC_TRUE;
  if (sim->summary) PetscCall(PnlmeSimSummaryView(sim, PETSC_VIEWER_STDOUT_(comm)));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimGetSummary(PnlmeSim sim, PnlmeSimSummary *s)
{
  PetscFunctionBegin;
  PetscCheck(sim->ran, PetscObjectComm((PetscObject)sim), PETSC_ERR_ORDER, "PnlmeSimRun() must come before PnlmeSimGetSummary()");
  *s = sim->sum;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimView(PnlmeSim sim, PetscViewer v)
{
  PetscBool   iascii;
  const char *mname;
  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(PetscObjectComm((PetscObject)sim), &v));
  PetscCall(PetscObjectTypeCompare((PetscObject)v, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  if (!sim->setupcalled) {
    PetscCall(PetscViewerASCIIPrintf(v, "PnlmeSim: not set up\n"));
    PetscFunctionReturn(0);
  }
  PetscCall(PnlmeModelGetType(sim->model, &mname));
  PetscCall(PetscViewerASCIIPrintf(v, "Cohort simulator: model %s, %lld subjects, seed %lld, output %s\n", mname, (long long)sim->nsub, (long long)sim->seed, sim->output));
  PetscCall(PetscViewerASCIIPushTab(v));
  for (PetscInt q = 0; q < sim->np; q++) {
    const char    *name;
    PnlmeTransform tr;
    PetscCall(PnlmeModelGetParameterName(sim->model, q, &name));
    PetscCall(PnlmeModelGetTransform(sim->model, q, &tr));
    PetscCall(PetscViewerASCIIPrintf(v, "%-6s theta %-10g omega %-8g (%s)", name, (double)sim->theta[q], (double)sim->omega[q], PnlmeTransforms[tr]));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
    for (PetscInt k = 0; k < sim->ncov; k++)
      if (sim->beta[q * sim->ncov + k] != 0) PetscCall(PetscViewerASCIIPrintf(v, " beta.%s %.6g", sim->cov[k].name, (double)sim->beta[q * sim->ncov + k]));
    PetscCall(PetscViewerASCIIPrintf(v, "\n"));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
  }
  for (PetscInt a = 0; a < sim->np; a++)
    for (PetscInt b = a + 1; b < sim->np; b++)
      if (sim->corr[a * sim->np + b] != 0) {
        const char *na, *nb;
        PetscCall(PnlmeModelGetParameterName(sim->model, a, &na));
        PetscCall(PnlmeModelGetParameterName(sim->model, b, &nb));
        PetscCall(PetscViewerASCIIPrintf(v, "correlation %s.%s %.6g\n", na, nb, (double)sim->corr[a * sim->np + b]));
      }
  for (PetscInt k = 0; k < sim->ncov; k++) {
    const PnlmeSimCovariate *c = &sim->cov[k];
    PetscCall(PetscViewerASCIIPrintf(v, "covariate %s ~ %s(", c->name, PnlmeSimDists[c->dist]));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
    {
      PetscInt npar = c->dist == PNLME_SIM_DIST_TRUNCNORMAL ? 4 : (c->dist == PNLME_SIM_DIST_NORMAL || c->dist == PNLME_SIM_DIST_UNIFORM ? 2 : 1);
      for (PetscInt i = 0; i < npar; i++) PetscCall(PetscViewerASCIIPrintf(v, "%s%.6g", i ? "," : "", (double)c->par[i]));
    }
    PetscCall(PetscViewerASCIIPrintf(v, "), transform %s\n", c->transform == PNLME_COV_LOG ? "log" : (c->transform == PNLME_COV_CENTER ? "center" : "none")));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
  }
  for (PetscInt k = 0; k < sim->nmout; k++) PetscCall(PetscViewerASCIIPrintf(v, "residual error%s%s %s, a %.6g, b %.6g\n", sim->nmout > 1 ? " of " : "", sim->nmout > 1 ? sim->outname[k] : "", sim->err[k]->name, (double)sim->erra[k], (double)sim->errb[k]));
  PetscCall(PetscViewerASCIIPrintf(v, "sampling times %s; %d to %d per subject", sim->timespec, (int)sim->nlo, (int)sim->nhi));
  PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
  if (sim->tmax < PETSC_MAX_REAL) PetscCall(PetscViewerASCIIPrintf(v, ", none after %.6g", (double)sim->tmax));
  PetscCall(PetscViewerASCIIPrintf(v, "; observed CMT"));
  for (PetscInt o = 0; o < sim->nout; o++) PetscCall(PetscViewerASCIIPrintf(v, " %d", (int)sim->outcmt[o]));
  PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
  if (sim->ndose) {
    PetscCall(PetscViewerASCIIPrintf(v, "doses: %d of %.6g%s%s into CMT %d at", (int)sim->ndose, (double)sim->doseamt, sim->doseper[0] ? " x " : "", sim->doseper, (int)sim->dosecmt));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
    for (PetscInt i = 0; i < sim->ndose; i++) PetscCall(PetscViewerASCIIPrintf(v, " %.6g", (double)sim->dosetime[i]));
    if (sim->doserate > 0) PetscCall(PetscViewerASCIIPrintf(v, "; infusion rate %.6g", (double)sim->doserate));
    if (sim->doseduration > 0) PetscCall(PetscViewerASCIIPrintf(v, "; infusion duration %.6g", (double)sim->doseduration));
    PetscCall(PetscViewerASCIIPrintf(v, "\n"));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
  }
  PetscCall(PetscViewerASCIIPopTab(v));
  if (sim->ran) PetscCall(PnlmeSimSummaryView(sim, v));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeSimDestroy(PnlmeSim *simp)
{
  PnlmeSim sim;
  PetscFunctionBegin;
  if (!*simp) PetscFunctionReturn(0);
  sim = *simp;
  if (--((PetscObject)sim)->refct > 0) {
    *simp = NULL;
    PetscFunctionReturn(0);
  }
  PetscCall(PnlmeOrderedFileClose(PetscObjectComm((PetscObject)sim), &sim->csv));
  PetscCall(PnlmeOrderedFileClose(PetscObjectComm((PetscObject)sim), &sim->par));
  PetscCall(PnlmeSimStatsDestroy(sim));
  PetscCall(PetscFree6(sim->theta, sim->mu, sim->omega, sim->corr, sim->L, sim->zmean));
  PetscCall(PetscFree(sim->zsd));
  PetscCall(PetscFree(sim->cov));
  PetscCall(PetscFree(sim->beta));
  PetscCall(PetscFree(sim->titem));
  PetscCall(PetscFree2(sim->outcmt, sim->outidx));
  PetscCall(PetscFree(sim->dosetime));
  PetscCall(PnlmeSimSlotsDestroy(sim));
  PetscCall(PnlmeModelDestroy(&sim->model));
  PetscCall(PetscHeaderDestroy(simp));
  PetscFunctionReturn(0);
}
