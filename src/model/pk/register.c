/* placeholder until the closed-form PK library lands (helper) */
#include "model/modelimpl.h"
PetscErrorCode PnlmeModelRegisterPK(void) { return 0; }
