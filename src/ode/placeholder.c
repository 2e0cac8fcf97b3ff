/* placeholder until the ODE integrators land (helper) */
#include "model/modelimpl.h"
PetscErrorCode PnlmeModelRegisterODEModels(void) { return 0; }
PetscErrorCode PnlmeODECreate(PnlmeModel m, PnlmeODE *o) { (void)m; *o = NULL; return 0; }
PetscErrorCode PnlmeODESetFromOptions(PnlmeODE o, PetscOptionItems *p) { (void)o; (void)p; return 0; }
PetscErrorCode PnlmeODESetUp(PnlmeODE o) { (void)o; return 0; }
PetscErrorCode PnlmeODEView(PnlmeODE o, PetscViewer v) { (void)o; (void)v; return 0; }
PetscErrorCode PnlmeODEGetName(PnlmeODE o, const char **n) { (void)o; *n = "none"; return 0; }
PetscErrorCode PnlmeODEGetStats(PnlmeODE o, PetscInt64 *a, PetscInt64 *b) { (void)o; *a = *b = 0; return 0; }
int PnlmeODESolveSubject(PnlmeODE o, const PnlmeSubject *s, const PetscReal *phi, PetscReal *p, PetscReal *S) { (void)o; (void)s; (void)phi; (void)p; (void)S; return 1; }
PetscErrorCode PnlmeODEDestroy(PnlmeODE *o) { *o = NULL; return 0; }
