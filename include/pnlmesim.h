/* pnlme: cohort simulator (apps/pnlme-simulate.c, docs/simulator.md).

   PnlmeSim draws a synthetic cohort from a structural model, population parameters and a design, and
   writes the NONMEM-style CSV that PnlmeDataLoad reads:
     ID,TIME,DV,AMT,EVID,MDV,CMT[,RATE],<covariates...>[,IPRED]
   Individual model (per parameter p, transform h of the model):
     h(phi_ip) = h(theta_p) + sum_k beta_pk c_ik + eta_ip,   eta_i ~ N(0, Omega),
   c_ik = the transformed covariate (log(x/mean x), x - mean x or x; means over the simulated subjects).
   Residual error (e ~ N(0,1), f = model prediction):
     constant y = f + a e;  proportional y = f + b f e;  combined1 y = f + (a + b|f|) e;
     combined2 y = f + sqrt(a^2 + b^2 f^2) e;  exponential y = f exp(a e).

   Reproducibility: every random draw of subject i comes from the Random123 stream (seed, i, purpose),
   never from a rank, and numbers are formatted deterministically; so one seed gives a byte-identical
   file at any number of ranks.

   Lifecycle: PnlmeSimCreate -> (setters) -> PnlmeSimSetFromOptions -> PnlmeSimSetUp -> PnlmeSimRun
   -> PnlmeSimView / PnlmeSimGetSummary -> PnlmeSimDestroy.  The specification setters take the same
   strings as the options (grammar in docs/simulator.md). */
#pragma once
#include "pnlmemodel.h"

typedef struct _p_PnlmeSim *PnlmeSim;

#include "pnlmepop.h"

/* What a run produced (identical on every rank, independent of the number of ranks except walltime). */
typedef struct {
  PetscInt64 nsubjects;
  PetscInt64 nobs, nobsmin, nobsmax; /* observation rows: total, and per subject */
  PetscInt64 ndoses;                 /* dose rows */
  PetscInt64 nredrawn;               /* subjects whose first eta gave a failed solve and was redrawn */
  PetscInt64 nfailedsolves;          /* failed solves in total (every redraw counts) */
  PetscInt64 ncensored;              /* observations below -sim_loq, written as CENS 1 */
  PetscReal  tmin, tmax;             /* observation times */
  PetscReal  dvmin, dvmax;           /* observed values */
  PetscInt64 filesize;               /* bytes of the CSV file */
  PetscReal  walltime;               /* seconds of PnlmeSimRun (rank 0's clock) */
} PnlmeSimSummary;

PETSC_EXTERN PetscErrorCode PnlmeSimCreate(MPI_Comm, PnlmeSim *);
/* Optional: the model to simulate from (referenced).  Without it, SetFromOptions creates one from
   -model NAME / -model_plugin PATH. */
PETSC_EXTERN PetscErrorCode PnlmeSimSetModel(PnlmeSim, PnlmeModel);
PETSC_EXTERN PetscErrorCode PnlmeSimGetModel(PnlmeSim, PnlmeModel *);

/* Options (all in -help with their defaults):
   -sim_subjects N, -sim_seed S, -sim_output PATH, -sim_output_params PATH (per-subject phi),
   -sim_theta NAME=v,...          typical values, natural scale, every model parameter
   -sim_omega NAME=sd,...         SD of eta on the transformed scale (missing: 0)
   -sim_corr P1.P2=r,...          correlations of eta (missing: 0)
   -sim_covariates NAME=dist,...  bernoulli(p) normal(m,s) truncnormal(m,s,lo,hi) uniform(a,b) constant(v)
   -sim_covariate_transform NAME=log|center|none,...  (default log for continuous, none for bernoulli)
   -sim_beta PARAM.COV=v,...      covariate effects on the transformed scale
   -sim_error constant|proportional|combined1|combined2|exponential, -sim_error_a, -sim_error_b
   -sim_times ITEM,...            t (absolute), u(a,b) (absolute, uniform), +d (increment), +u(a,b)
   -sim_nobs_min, -sim_nobs_max   number of sampling times drawn uniformly (first n of -sim_times)
   -sim_tmax T                    sampling times beyond T are dropped
   -sim_obs_cmt C,...             observed outputs by CMT (default: the model's first output)
   -sim_dose_amt A, -sim_dose_cmt C, -sim_dose_times t,... | -sim_dose_ii II -sim_dose_n N [-sim_dose_start t0],
   -sim_dose_rate R | -sim_dose_duration D (zero-order infusion), -sim_dose_per COV (AMT = A x COV),
   -sim_dose_first (dose rows before observation rows at equal times; default: pre-dose samples)
   -sim_ipred (add an IPRED column), -sim_digits D, -sim_round_subjects R, -sim_max_redraws K,
   -sim_summary (print the cohort summary, default true), -sim_view (print the specification) */
PETSC_EXTERN PetscErrorCode PnlmeSimSetFromOptions(PnlmeSim);

/* Programmatic equivalents of the options (strings use the option grammar; parsed in SetUp) */
PETSC_EXTERN PetscErrorCode PnlmeSimSetNumSubjects(PnlmeSim, PetscInt64);
PETSC_EXTERN PetscErrorCode PnlmeSimSetSeed(PnlmeSim, PetscInt64);
PETSC_EXTERN PetscErrorCode PnlmeSimSetOutput(PnlmeSim, const char path[]);
PETSC_EXTERN PetscErrorCode PnlmeSimSetParameterOutput(PnlmeSim, const char path[]);
PETSC_EXTERN PetscErrorCode PnlmeSimSetTheta(PnlmeSim, const char spec[]);
PETSC_EXTERN PetscErrorCode PnlmeSimSetOmega(PnlmeSim, const char spec[]);
PETSC_EXTERN PetscErrorCode PnlmeSimSetCorrelation(PnlmeSim, const char spec[]);
PETSC_EXTERN PetscErrorCode PnlmeSimSetCovariates(PnlmeSim, const char spec[]);
PETSC_EXTERN PetscErrorCode PnlmeSimSetCovariateTransform(PnlmeSim, const char spec[]);
PETSC_EXTERN PetscErrorCode PnlmeSimSetBeta(PnlmeSim, const char spec[]);
/* the residual error of every output: an error model (PNLME_ERROR_CONSTANT, ...) and its parameters
   (those the model does not have are ignored); -sim_error, -sim_error_a, -sim_error_b per output */
PETSC_EXTERN PetscErrorCode PnlmeSimSetError(PnlmeSim, const char model[], PetscReal a, PetscReal b);
/* nobsmin/nobsmax PETSC_DECIDE: every entry of spec; tmax PETSC_DEFAULT: no limit */
PETSC_EXTERN PetscErrorCode PnlmeSimSetTimes(PnlmeSim, const char spec[], PetscInt nobsmin, PetscInt nobsmax, PetscReal tmax);
PETSC_EXTERN PetscErrorCode PnlmeSimSetObservationCmt(PnlmeSim, const char spec[]);
/* amt 0 = no doses; cmt PETSC_DECIDE = the model's first dosing compartment; times "t1,t2,..." */
PETSC_EXTERN PetscErrorCode PnlmeSimSetDose(PnlmeSim, PetscReal amt, PetscInt cmt, const char times[]);
PETSC_EXTERN PetscErrorCode PnlmeSimSetIPred(PnlmeSim, PetscBool);

PETSC_EXTERN PetscErrorCode PnlmeSimSetUp(PnlmeSim);
/* Collective: simulates and writes the file(s); prints the summary unless -sim_summary false */
PETSC_EXTERN PetscErrorCode PnlmeSimRun(PnlmeSim);
PETSC_EXTERN PetscErrorCode PnlmeSimGetSummary(PnlmeSim, PnlmeSimSummary *);
/* specification (after SetUp) and, after Run, the cohort summary */
PETSC_EXTERN PetscErrorCode PnlmeSimView(PnlmeSim, PetscViewer);
PETSC_EXTERN PetscErrorCode PnlmeSimDestroy(PnlmeSim *);
