/* Registration of the built-in ODE models. */
#include "model/ode/odemodels.h"

PetscErrorCode PnlmeModelRegisterODEModels(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeModelRegister("neonate", PnlmeModelCreate_Neonate));
  PetscCall(PnlmeModelRegister("turnover", PnlmeModelCreate_Turnover));
  PetscCall(PnlmeModelRegister("pk1_oral_ke_ode", PnlmeModelCreate_PK1OralKeODE));
  PetscCall(PnlmeModelRegister("pk2_oral_cl_ode", PnlmeModelCreate_PK2OralClODE));
  PetscFunctionReturn(0);
}
