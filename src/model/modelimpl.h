/* Private: the PnlmeModel object. */
#pragma once
#include <petsc/private/petscimpl.h>
#include <pnlmesys.h>
#include <pnlmemodel.h>

typedef struct _p_PnlmeODE *PnlmeODE;

#define PNLME_MAX_NAME 64
typedef struct {
  PetscErrorCode (*dummy)(void);
} _PnlmeModelOps;

struct _p_PnlmeModel {
  PETSCHEADER(_PnlmeModelOps);
  char            description[256];
  PetscInt        nparam;
  char          (*pname)[PNLME_MAX_NAME];
  PnlmeTransform *transform;
  PetscInt        nstate;
  PetscInt        ndose, dosecmt[16], dosestate[16];
  PetscInt        nout, outcmt[16];
  char            outname[16][PNLME_MAX_NAME];
  PnlmeModelKind  kind;
  PnlmeModelOps   mops;
  PetscBool       hasops, stiff;
  void           *ctx;
  PetscErrorCode (*ctxdestroy)(void *);
  PnlmeODE        ode; /* ODE models: the integrator, one per model (and so per rank) */
  PetscBool       setupcalled;
  PetscInt64      npredict, nfailed;
};

/* src/ode: the per-model integrator (one solver memory, reused across subjects) */
PETSC_INTERN PetscErrorCode PnlmeODECreate(PnlmeModel, PnlmeODE *);
PETSC_INTERN PetscErrorCode PnlmeODESetFromOptions(PnlmeODE, PetscObject);
PETSC_INTERN PetscErrorCode PnlmeODESetUp(PnlmeODE);
PETSC_INTERN PetscErrorCode PnlmeODEView(PnlmeODE, PetscViewer);
PETSC_INTERN PetscErrorCode PnlmeODEGetName(PnlmeODE, const char **);
PETSC_INTERN PetscErrorCode PnlmeODEGetStats(PnlmeODE, PetscInt64 *nrhs, PetscInt64 *nsteps);
PETSC_INTERN PetscErrorCode PnlmeODESetRelativeTolerance(PnlmeODE, PetscReal);
PETSC_INTERN PetscErrorCode PnlmeODEGetRelativeTolerance(PnlmeODE, PetscReal *);
PETSC_INTERN PetscErrorCode PnlmeODESetDenseOutput(PnlmeODE, PetscBool);
PETSC_INTERN PetscErrorCode PnlmeODEGetDenseOutput(PnlmeODE, PetscBool *);
/* solves one subject through its timeline; returns 0 or a failure code (never raises) */
PETSC_INTERN int            PnlmeODESolveSubject(PnlmeODE, const PnlmeSubject *, const PetscReal phi[], PetscReal pred[], PetscReal sens[]);
PETSC_INTERN PetscErrorCode PnlmeODEDestroy(PnlmeODE *);

/* registration of the built-in model families (src/model/pk, src/model/ode) */
PETSC_INTERN PetscErrorCode PnlmeModelRegisterPK(void);
PETSC_INTERN PetscErrorCode PnlmeModelRegisterODEModels(void);
