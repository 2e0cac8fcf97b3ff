/* Private: the built-in ODE models (src/model/ode). */
#pragma once
#include "model/modelimpl.h"

PETSC_INTERN PetscErrorCode PnlmeModelCreate_Neonate(PnlmeModel);
PETSC_INTERN PetscErrorCode PnlmeModelCreate_Turnover(PnlmeModel);
PETSC_INTERN PetscErrorCode PnlmeModelCreate_PK1OralKeODE(PnlmeModel);
PETSC_INTERN PetscErrorCode PnlmeModelCreate_PK2OralClODE(PnlmeModel);
