/* Private: the PnlmeCovSelect object (covselect.c), the one-run method (onerun.c), stepwise
   covariate modelling (scm.c) and the reports (report.c). */
#pragma once
#include "fit/fitimpl.h"

typedef struct {
  PetscErrorCode (*dummy)(void);
} _PnlmeCovSelectOps;

/* one fitted model */
typedef struct {
  char      label[48];  /* "selected", "full", "none", "scm forward 2 +kin.GA", ... */
  PetscInt  neffects;   /* covariate effects in the model */
  PetscReal m2ll, mcse, bicc;         /* importance sampling (NaN without) */
  PetscReal m2ll_lin, bicc_lin;       /* linearisation */
  PetscReal seconds;
  PetscBool reestimated, runnerup; /* -2LL re-estimated with more draws; a runner-up of the selected model (runnerup.c) */
} PnlmeCovModel;

#define PNLME_COVSEL_BENCH 8 /* fits kept for the runners-up (the lowest BICc so far) */

struct _p_PnlmeCovSelect {
  PETSCHEADER(_PnlmeCovSelectOps);
  PnlmeCovSelectType type;
  PnlmeModel         model;
  PnlmeData          data;
  PetscInt           p, ncov;
  const char *const *covnames;
  PetscBool         *cand, *forced, *selected, *work; /* [ncov x p] */
  PetscInt           ncand;
  PetscReal          alpha, louismax, gamma; /* ramp start; Louis cap; extended-BIC gamma */
  PetscInt           starts;                  /* bicc: selection runs (SAEM seeds) */
  PetscInt           polish, polishsize;      /* bicc: steps of the polish; weakest effects barred per step */
  PetscReal          polishmargin;            /* bicc: a polish move is kept when lower by this many MC SEs */
  PetscBool          compare, progress;
  PetscReal          scmfwd, scmbwd;
  PetscBool          scmlin;
  PetscInt           runnerdraws;             /* IS draws per subject re-estimating the selected model and its runners-up */
  char               outdir[PETSC_MAX_PATH_LEN];
  PnlmeFit           final;
  PetscInt           ifinal;   /* its record in models[] */
  /* every model fitted, in order */
  PnlmeCovModel     *models;
  PetscInt           nmodels, maxmodels;
  PetscInt           nfits;    /* fits run: the models' and the selection runs (a model repeated by
                                  "(= selected)" is not fitted again) */
  PetscReal          seconds;
  /* bicc: the selection run */
  PetscInt           niter;    /* its iterations */
  PetscReal         *beta;     /* [niter x ncov x p] B of the candidates at every iteration (kept start) */
  PetscReal         *weight, *miqptime;
  PetscInt          *nodes, *nsel;
  PetscReal          runseconds, miqptotal, miqpmax, lambda; /* ...; the penalty of an effect */
  PetscInt64         nsolves, nnodes, notopt; /* over all starts */
  PetscInt           miqpiter;                /* M-steps of all starts */
  PetscInt           K1, seed, seedoff;       /* of the kept run: its seed, offset from -saem_seed */
  PetscInt           npolish;                 /* selection runs of the polish */
  PnlmeFit           bench[PNLME_COVSEL_BENCH]; /* fits of the models of lowest BICc, and their records */
  PetscInt           benchmodel[PNLME_COVSEL_BENCH];
};

/* covselect.c: a fit of the model effects[] (with the options of the database), run, recorded */
PETSC_INTERN PetscErrorCode PnlmeCovSelectNewFit(PnlmeCovSelect, const PetscBool effects[], PetscBool progress, PnlmeFit *);
PETSC_INTERN PetscErrorCode PnlmeCovSelectRunFit(PnlmeCovSelect, PnlmeFit, const char label[], PnlmeCovModel *);
PETSC_INTERN PetscErrorCode PnlmeCovSelectAddModel(PnlmeCovSelect, const PnlmeCovModel *);
PETSC_INTERN PetscInt       PnlmeCovSelectCount(PnlmeCovSelect, const PetscBool effects[]);
/* onerun.c, scm.c */
PETSC_INTERN PetscErrorCode PnlmeCovSelectSolve_BICc(PnlmeCovSelect);
PETSC_INTERN PetscErrorCode PnlmeCovSelectSolve_SCM(PnlmeCovSelect);
/* runnerup.c: the bench of fitted models, the runners-up of the selected one */
PETSC_INTERN PetscErrorCode PnlmeCovSelectBench(PnlmeCovSelect, PnlmeFit, PetscInt imodel);
PETSC_INTERN PetscErrorCode PnlmeCovSelectRunnersUp(PnlmeCovSelect);
/* report.c: the final fit's estimate and SE of effect j (0 and NaN when not in the model) */
PETSC_INTERN PetscErrorCode PnlmeCovSelectFinalEffect(PnlmeCovSelect, PetscInt j, PetscReal *beta, PetscReal *se);
/* report.c: covariates.csv, models.csv and /selection of results.h5 in -output_dir */
PETSC_INTERN PetscErrorCode PnlmeCovSelectWriteResults(PnlmeCovSelect);
