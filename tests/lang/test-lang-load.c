/* Loads a model the way the applications do (-model_file PATH or inline text, -model_cache DIR,
   -model NAME, ...: PnlmeModelSetFromOptions), sets it up and prints one line: the model type, its
   kind and size, and whether this run compiled the model file ("compiled") or found it compiled
   ("cache hit").  With -lang_predict it also predicts a small built-in subject, to show the model runs.
   Errors are the applications' one line. */
#include <pnlme.h>

static PetscErrorCode Run(void)
{
  PnlmeModel     m;
  const char    *type, *so = "";
  PetscInt       np, nx, no;
  PnlmeModelKind kind;
  PetscBool      compiled = PETSC_FALSE, file;
  PetscReal      sec = 0;
  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, NULL, "-model_file", &file));
  PetscCall(PnlmeModelCreate(PETSC_COMM_WORLD, &m));
  PetscCall(PnlmeModelSetFromOptions(m));
  PetscCall(PnlmeModelSetUp(m));
  PetscCall(PnlmeModelGetType(m, &type));
  PetscCall(PnlmeModelGetKind(m, &kind));
  PetscCall(PnlmeModelGetNumParameters(m, &np));
  PetscCall(PnlmeModelGetNumStates(m, &nx));
  PetscCall(PnlmeModelGetNumOutputs(m, &no));
  if (file) PetscCall(PnlmeModelFileGetInfo(&so, &compiled, &sec));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "model %s: %s, %d parameters, %d states, %d outputs%s%s\n", type, kind == PNLME_MODEL_ODE ? "ODE" : "closed form", (int)np, (int)nx, (int)no, file ? (compiled ? ", compiled" : ", cache hit") : "", ""));
  if (file && compiled) PetscCall(PetscPrintf(PETSC_COMM_WORLD, "compile time %.3f s\n", (double)sec));
  PetscCall(PnlmeModelDestroy(&m));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMainOptions(argc, argv, "loads a model (-model_file PATH)", "model,ode", Run); }
