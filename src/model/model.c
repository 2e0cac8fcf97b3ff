/* PnlmeModel: lifecycle, declaration, queries, transforms and the prediction entry point. */
#include "model/modelimpl.h"
#include "model/lang/lang.h"
#include <math.h>
#include <string.h>

const char *const PnlmeTransforms[] = {"normal", "log", "logit", "PnlmeTransform", "PNLME_TRANSFORM_", NULL};

static PetscFunctionList PnlmeModelList = NULL;
static char              PnlmeModelPluginDefault[PNLME_MAX_NAME] = ""; /* last registered */
static char              PnlmeModelNames[2048]                   = ""; /* for error messages and -help */

PETSC_INTERN PetscErrorCode PnlmeModelListDestroy(void)
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListDestroy(&PnlmeModelList));
  PnlmeModelPluginDefault[0] = 0;
  PnlmeModelNames[0]         = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelRegister(const char name[], PnlmeModelCreateFn fn)
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListAdd(&PnlmeModelList, name, fn));
  PetscCall(PetscStrncpy(PnlmeModelPluginDefault, name, sizeof(PnlmeModelPluginDefault)));
  PetscCall(PetscStrlcat(PnlmeModelNames, " ", sizeof(PnlmeModelNames)));
  PetscCall(PetscStrlcat(PnlmeModelNames, name, sizeof(PnlmeModelNames)));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelCreate(MPI_Comm comm, PnlmeModel *model)
{
  PnlmeModel m;
  PetscFunctionBegin;
  PetscValidPointer(model, 2);
  PetscCall(PnlmeInitialize());
  PetscCall(PetscHeaderCreate(m, PNLME_CLASSID, "PnlmeModel", "Structural model", "Model", comm, PnlmeModelDestroy, PnlmeModelView));
  m->kind = PNLME_MODEL_CLOSED_FORM;
  *model  = m;
  PetscFunctionReturn(0);
}

static PetscErrorCode PnlmeModelReset(PnlmeModel m)
{
  PetscFunctionBegin;
  if (m->ctxdestroy && m->ctx) PetscCall((*m->ctxdestroy)(m->ctx));
  m->ctx        = NULL;
  m->ctxdestroy = NULL;
  PetscCall(PnlmeODEDestroy(&m->ode));
  PetscCall(PetscFree(m->pname));
  PetscCall(PetscFree(m->transform));
  m->nparam = m->nstate = m->ndose = m->nout = 0;
  m->hasops = m->stiff = m->setupcalled = PETSC_FALSE;
  m->description[0]                        = 0;
  m->npredict = m->nfailed = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelDestroy(PnlmeModel *model)
{
  PetscFunctionBegin;
  if (!*model) PetscFunctionReturn(0);
  if (--((PetscObject)(*model))->refct > 0) {
    *model = NULL;
    PetscFunctionReturn(0);
  }
  PetscCall(PnlmeModelReset(*model));
  PetscCall(PetscHeaderDestroy(model));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetType(PnlmeModel m, const char name[])
{
  PnlmeModelCreateFn fn;
  PetscBool          same;
  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)m, name, &same));
  if (same) PetscFunctionReturn(0);
  PetscCall(PetscFunctionListFind(PnlmeModelList, name, &fn));
  PetscCheck(fn, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_UNKNOWN_TYPE, "-model %s: unknown model; known models:%s", name, PnlmeModelNames);
  PetscCall(PnlmeModelReset(m));
  PetscCall(PetscObjectChangeTypeName((PetscObject)m, name));
  PetscCall((*fn)(m));
  PetscCheck(m->hasops, PetscObjectComm((PetscObject)m), PETSC_ERR_USER, "model %s did not call PnlmeModelSetOps", name);
  PetscCheck(m->nparam > 0, PetscObjectComm((PetscObject)m), PETSC_ERR_USER, "model %s declares no parameters", name);
  PetscCheck(m->nout > 0, PetscObjectComm((PetscObject)m), PETSC_ERR_USER, "model %s declares no output", name);
  if (m->kind == PNLME_MODEL_ODE) {
    PetscCheck(m->nstate > 0, PetscObjectComm((PetscObject)m), PETSC_ERR_USER, "ODE model %s declares no states", name);
    PetscCall(PnlmeODECreate(m, &m->ode));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelGetType(PnlmeModel m, const char **name)
{
  PetscFunctionBegin;
  *name = ((PetscObject)m)->type_name;
  PetscFunctionReturn(0);
}

/* Loads a plugin on every rank of comm.  Each check is agreed on by all ranks (a reduction), so that a
   plugin that fails on some rank only is still one collective error, the same line on every rank. */
static PetscErrorCode ModelLoadPlugin(MPI_Comm comm, const char path[])
{
  PetscDLHandle  handle;
  PetscErrorCode (*reg)(void) = NULL;
  char           before[PNLME_MAX_NAME];
  PetscBool      exists;
  int            bad;
  PetscFunctionBegin;
  PetscCall(PetscTestFile(path, 'r', &exists));
  bad = !exists;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm));
  PetscCheck(!bad, comm, PETSC_ERR_FILE_OPEN, "-model_plugin %s: cannot read the file", path);
  PetscCall(PetscStrncpy(before, PnlmeModelPluginDefault, sizeof(before)));
  PetscCall(PetscDLOpen(path, PETSC_DL_DECIDE, &handle));
  PetscCall(PetscDLSym(handle, "PnlmeModelPluginRegister", (void **)&reg));
  bad = !reg;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm));
  PetscCheck(!bad, comm, PETSC_ERR_ARG_WRONG, "-model_plugin %s: the library defines no function PnlmeModelPluginRegister", path);
  /* the plugin's error code, not PetscCall: a bare nonzero return carries no message, and a PETSc code
     of the plugin's own would be taken for one of pnlme's (an abort instead of one line) */
  bad = (int)(*reg)();
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm));
  PetscCheck(!bad, comm, PETSC_ERR_USER, "-model_plugin %s: PnlmeModelPluginRegister failed (error %d)", path, bad);
  bad = !strcmp(before, PnlmeModelPluginDefault);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm));
  PetscCheck(!bad, comm, PETSC_ERR_ARG_WRONG, "-model_plugin %s: PnlmeModelPluginRegister registered no model", path);
  /* the library stays loaded until the program ends: its functions are in the model list */
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelLoadPlugin(const char path[])
{
  PetscFunctionBegin;
  PetscCall(ModelLoadPlugin(PETSC_COMM_SELF, path));
  PetscFunctionReturn(0);
}

/* a model file (or inline model text): compiled or found in the cache, then loaded as a plugin */
static PetscErrorCode ModelLoadFile(MPI_Comm comm, const char spec[], const char cache[], char name[], size_t len)
{
  char      so[PETSC_MAX_PATH_LEN] = "";
  PetscBool load;
  PetscFunctionBegin;
  PetscCall(PnlmeLangBuild(comm, spec, cache, name, len, so, sizeof(so), &load));
  if (load) {
    PetscCall(ModelLoadPlugin(comm, so));
    PetscCall(PnlmeLangBuildEnd(comm, name));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelLoadFile(MPI_Comm comm, const char spec[], const char cache[], char name[], size_t len)
{
  PetscFunctionBegin;
  PetscCall(ModelLoadFile(comm, spec, cache, name, len));
  PetscFunctionReturn(0);
}

static const PnlmeOption ModelOptions[] = {
  {"-model", PNLME_OPT_STRING, "", NULL, NULL, "Structural model (-model_view lists its parameters; docs/models-pk.md, docs/ode.md)"},
  {"-model_plugin", PNLME_OPT_STRING, "", NULL, NULL, "Shared library with user models (defines PnlmeModelPluginRegister; docs/plugins.md)"},
  {"-model_file", PNLME_OPT_STRING, "", NULL, NULL, "Model file (docs/model-language.md), compiled at run time; it overrides -model; a value with a line break is the model text itself (inline in a YAML case)"},
  {"-model_cache", PNLME_OPT_STRING, "$XDG_CACHE_HOME/pnlme/models or ~/.cache/pnlme/models", NULL, NULL, "Directory of the compiled model files (shared objects keyed by the hash of the generated code and the compiler)"},
  {"-model_view", PNLME_OPT_BOOL, "false", NULL, NULL, "View the model after set-up"},
};

PetscErrorCode PnlmeModelRegisterOptions(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsRegister("model", "Structural model (PnlmeModel)", NULL, PETSC_STATIC_ARRAY_LENGTH(ModelOptions), ModelOptions));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetFromOptions(PnlmeModel m)
{
  char        name[PNLME_MAX_NAME] = "", plugin[PETSC_MAX_PATH_LEN] = "", file[PETSC_MAX_PATH_LEN] = "", cache[PETSC_MAX_PATH_LEN] = "", fname[PNLME_MAX_NAME] = "";
  char       *text = NULL;
  PetscBool   flg, pflg, fflg, view = PETSC_FALSE;
  PetscObject obj = (PetscObject)m;
  size_t      tlen;
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsGetString(obj, "-model_plugin", plugin, sizeof(plugin), &pflg));
  /* -model_file: a path or, inline in a YAML case, the model text (longer than a path may be) */
  PetscCall(PnlmeOptionsGetString(obj, "-model_cache", cache, sizeof(cache), NULL));
  PetscCall(PnlmeOptionsGetString(obj, "-model_file", file, sizeof(file), &fflg));
  if (fflg && !file[0]) fflg = PETSC_FALSE; /* -model_file "": no model file (cancels a case file's) */
  if (fflg) {
    const char *v = NULL;
    PetscCall(PetscOptionsFindPair(((PetscObject)m)->options, ((PetscObject)m)->prefix, "-model_file", &v, NULL));
    PetscCall(PetscStrlen(v, &tlen));
    PetscCall(PetscStrallocpy(v && tlen >= sizeof(file) - 1 ? v : file, &text));
  }
  if (((PetscObject)m)->type_name) PetscCall(PetscStrncpy(name, ((PetscObject)m)->type_name, sizeof(name)));
  PetscCall(PnlmeOptionsGetString(obj, "-model", name, sizeof(name), &flg));
  if (pflg) {
    PetscCall(ModelLoadPlugin(PetscObjectComm((PetscObject)m), plugin));
    if (!flg) {
      PetscCall(PetscStrncpy(name, PnlmeModelPluginDefault, sizeof(name)));
      flg = PETSC_TRUE;
    }
  }
  if (fflg) {
    PetscErrorCode ierr = ModelLoadFile(PetscObjectComm((PetscObject)m), text, cache, fname, sizeof(fname));
    PetscCall(PetscFree(text));
    PetscCall(ierr);
    /* the model file is the model: it overrides -model (a case file's model: NAME, say) */
    PetscCall(PetscStrncpy(name, fname, sizeof(name)));
    flg = PETSC_TRUE;
  }
  if (flg) PetscCall(PnlmeModelSetType(m, name));
  PetscCheck(((PetscObject)m)->type_name, PetscObjectComm((PetscObject)m), PETSC_ERR_USER, "no model given: use -model NAME (see -help), -model_file PATH or -model_plugin PATH");
  if (m->ode) PetscCall(PnlmeODESetFromOptions(m->ode, obj));
  PetscCall(PnlmeOptionsGetBool(obj, "-model_view", &view, NULL));
  if (view) PetscCall(PnlmeModelView(m, PETSC_VIEWER_STDOUT_(PetscObjectComm((PetscObject)m))));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetUp(PnlmeModel m)
{
  PetscFunctionBegin;
  if (m->setupcalled) PetscFunctionReturn(0);
  PetscCheck(((PetscObject)m)->type_name, PetscObjectComm((PetscObject)m), PETSC_ERR_ORDER, "PnlmeModelSetType() or -model must come before PnlmeModelSetUp()");
  if (m->ode) PetscCall(PnlmeODESetUp(m->ode));
  m->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelView(PnlmeModel m, PetscViewer v)
{
  PetscBool iascii;
  PetscFunctionBegin;
  if (!v) PetscCall(PetscViewerASCIIGetStdout(PetscObjectComm((PetscObject)m), &v));
  PetscCall(PetscObjectTypeCompare((PetscObject)v, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  PetscCall(PetscViewerASCIIPrintf(v, "Model %s (%s): %s\n", ((PetscObject)m)->type_name, m->kind == PNLME_MODEL_ODE ? "ODE" : "closed form", m->description));
  PetscCall(PetscViewerASCIIPushTab(v));
  PetscCall(PetscViewerASCIIPrintf(v, "parameters:"));
  PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
  for (PetscInt i = 0; i < m->nparam; i++) PetscCall(PetscViewerASCIIPrintf(v, " %s (%s)", m->pname[i], PnlmeTransforms[m->transform[i]]));
  PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
  PetscCall(PetscViewerASCIIPrintf(v, "states: %" PetscInt_FMT ", dosing compartments:", m->nstate));
  PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
  for (PetscInt i = 0; i < m->ndose; i++) PetscCall(PetscViewerASCIIPrintf(v, " %" PetscInt_FMT, m->dosecmt[i]));
  PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
  PetscCall(PetscViewerASCIIPrintf(v, "outputs:"));
  PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
  for (PetscInt i = 0; i < m->nout; i++) PetscCall(PetscViewerASCIIPrintf(v, " %s (CMT %" PetscInt_FMT ")", m->outname[i], m->outcmt[i]));
  PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
  if (m->ode) PetscCall(PnlmeODEView(m->ode, v));
  PetscCall(PetscViewerASCIIPopTab(v));
  PetscFunctionReturn(0);
}

/* ---------------- declaration */
PetscErrorCode PnlmeModelSetDescription(PnlmeModel m, const char text[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(m->description, text, sizeof(m->description)));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetParameters(PnlmeModel m, PetscInt n, const char *const names[], const PnlmeTransform tr[])
{
  PetscFunctionBegin;
  PetscCheck(n > 0 && n <= 64, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "model %s: number of parameters %" PetscInt_FMT " not in 1..64", ((PetscObject)m)->type_name, n);
  PetscCall(PetscFree(m->pname));
  PetscCall(PetscFree(m->transform));
  PetscCall(PetscCalloc1(n, &m->pname));
  PetscCall(PetscMalloc1(n, &m->transform));
  for (PetscInt i = 0; i < n; i++) {
    PetscCheck(names[i] && strlen(names[i]) > 0 && strlen(names[i]) < PNLME_MAX_NAME, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONG, "model %s: parameter %" PetscInt_FMT " has no usable name", ((PetscObject)m)->type_name, i);
    for (PetscInt j = 0; j < i; j++) PetscCheck(strcmp(names[i], names[j]), PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONG, "model %s: parameter name %s is used twice", ((PetscObject)m)->type_name, names[i]);
    PetscCall(PetscStrncpy(m->pname[i], names[i], PNLME_MAX_NAME));
    m->transform[i] = tr ? tr[i] : PNLME_TRANSFORM_LOG;
  }
  m->nparam = n;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetNumStates(PnlmeModel m, PetscInt n)
{
  PetscFunctionBegin;
  PetscCheck(n >= 0 && n <= 256, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "number of states %" PetscInt_FMT " not in 0..256", n);
  m->nstate = n;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelAddDoseCompartment(PnlmeModel m, PetscInt cmt, PetscInt state)
{
  PetscFunctionBegin;
  PetscCheck(m->ndose < 16, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "at most 16 dosing compartments");
  for (PetscInt i = 0; i < m->ndose; i++) PetscCheck(m->dosecmt[i] != cmt, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONG, "dosing compartment %" PetscInt_FMT " declared twice", cmt);
  m->dosecmt[m->ndose]   = cmt;
  m->dosestate[m->ndose] = state;
  m->ndose++;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelAddOutput(PnlmeModel m, const char name[], PetscInt cmt)
{
  PetscFunctionBegin;
  PetscCheck(m->nout < 16, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "at most 16 outputs");
  PetscCall(PetscStrncpy(m->outname[m->nout], name, PNLME_MAX_NAME));
  m->outcmt[m->nout++] = cmt;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetOps(PnlmeModel m, PnlmeModelKind kind, const PnlmeModelOps *ops, void *ctx, PetscErrorCode (*ctxdestroy)(void *))
{
  PetscFunctionBegin;
  if (kind == PNLME_MODEL_ODE) {
    PetscCheck(ops->rhs && ops->init && ops->output, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONG, "ODE model %s needs rhs, init and output operations", ((PetscObject)m)->type_name);
  } else {
    PetscCheck(ops->predict, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_WRONG, "closed-form model %s needs a predict operation", ((PetscObject)m)->type_name);
  }
  m->kind       = kind;
  m->mops       = *ops;
  m->ctx        = ctx;
  m->ctxdestroy = ctxdestroy;
  m->hasops     = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetStiff(PnlmeModel m, PetscBool stiff)
{
  PetscFunctionBegin;
  m->stiff = stiff;
  PetscFunctionReturn(0);
}

/* ---------------- queries */
PetscErrorCode PnlmeModelGetKind(PnlmeModel m, PnlmeModelKind *k)
{
  PetscFunctionBegin;
  *k = m->kind;
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetNumParameters(PnlmeModel m, PetscInt *n)
{
  PetscFunctionBegin;
  *n = m->nparam;
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetParameterName(PnlmeModel m, PetscInt i, const char **name)
{
  PetscFunctionBegin;
  PetscCheck(i >= 0 && i < m->nparam, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "parameter index %" PetscInt_FMT " out of range", i);
  *name = m->pname[i];
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetParameterIndex(PnlmeModel m, const char name[], PetscInt *idx)
{
  PetscFunctionBegin;
  *idx = -1;
  for (PetscInt i = 0; i < m->nparam; i++)
    if (!strcmp(m->pname[i], name)) *idx = i;
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetTransform(PnlmeModel m, PetscInt i, PnlmeTransform *t)
{
  PetscFunctionBegin;
  PetscCheck(i >= 0 && i < m->nparam, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "parameter index %" PetscInt_FMT " out of range", i);
  *t = m->transform[i];
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetNumStates(PnlmeModel m, PetscInt *n)
{
  PetscFunctionBegin;
  *n = m->nstate;
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetNumOutputs(PnlmeModel m, PetscInt *n)
{
  PetscFunctionBegin;
  *n = m->nout;
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetOutputName(PnlmeModel m, PetscInt i, const char **name)
{
  PetscFunctionBegin;
  PetscCheck(i >= 0 && i < m->nout, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "output index %" PetscInt_FMT " out of range", i);
  *name = m->outname[i];
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetOutputIndex(PnlmeModel m, PetscInt cmt, PetscInt *iout)
{
  PetscFunctionBegin;
  *iout = -1;
  if (m->nout == 1 || cmt == PETSC_DECIDE) {
    *iout = 0;
    PetscFunctionReturn(0);
  }
  for (PetscInt i = 0; i < m->nout; i++)
    if (m->outcmt[i] == cmt) *iout = i;
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetDoseState(PnlmeModel m, PetscInt cmt, PetscInt *state)
{
  PetscFunctionBegin;
  *state = -1;
  for (PetscInt i = 0; i < m->ndose; i++)
    if (m->dosecmt[i] == cmt) *state = m->dosestate[i];
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetIntegratorName(PnlmeModel m, const char **name)
{
  PetscFunctionBegin;
  if (m->ode) PetscCall(PnlmeODEGetName(m->ode, name));
  else *name = "closed form";
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelSetRelativeTolerance(PnlmeModel m, PetscReal rtol)
{
  PetscFunctionBegin;
  if (m->ode) PetscCall(PnlmeODESetRelativeTolerance(m->ode, rtol));
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetRelativeTolerance(PnlmeModel m, PetscReal *rtol)
{
  PetscFunctionBegin;
  *rtol = 0;
  if (m->ode) PetscCall(PnlmeODEGetRelativeTolerance(m->ode, rtol));
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelSetDenseOutput(PnlmeModel m, PetscBool dense)
{
  PetscFunctionBegin;
  if (m->ode) PetscCall(PnlmeODESetDenseOutput(m->ode, dense));
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetDenseOutput(PnlmeModel m, PetscBool *dense)
{
  PetscFunctionBegin;
  *dense = PETSC_FALSE;
  if (m->ode) PetscCall(PnlmeODEGetDenseOutput(m->ode, dense));
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetCostWeight(PnlmeModel m, PetscReal *w)
{
  PetscFunctionBegin;
  /* measured orders of magnitude: a closed form costs ~0.1 us per observation, an ODE ~0.3 us per
     observation and state (explicit), more when stiff */
  *w = m->kind == PNLME_MODEL_CLOSED_FORM ? 1.0 : 3.0 * PetscMax(1, m->nstate) * (m->stiff ? 4.0 : 1.0);
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetStats(PnlmeModel m, PetscInt64 *npredict, PetscInt64 *nfailed, PetscInt64 *nrhs, PetscInt64 *nsteps)
{
  PetscInt64 r = 0, s = 0;
  PetscFunctionBegin;
  if (m->ode) PetscCall(PnlmeODEGetStats(m->ode, &r, &s));
  if (npredict) *npredict = m->npredict;
  if (nfailed) *nfailed = m->nfailed;
  if (nrhs) *nrhs = r;
  if (nsteps) *nsteps = s;
  PetscFunctionReturn(0);
}

/* ---------------- transforms: z = h(phi) */
void PnlmeModelTransformToNatural(PnlmeModel m, const PetscReal z[], PetscReal phi[], PetscReal dphidz[])
{
  for (PetscInt i = 0; i < m->nparam; i++) {
    switch (m->transform[i]) {
    case PNLME_TRANSFORM_LOG:
      phi[i] = exp(z[i]);
      if (dphidz) dphidz[i] = phi[i];
      break;
    case PNLME_TRANSFORM_LOGIT: {
      PetscReal e = exp(-fabs(z[i])); /* stable for large |z| */
      phi[i]      = z[i] >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
      if (dphidz) dphidz[i] = phi[i] * (1.0 - phi[i]);
    } break;
    default:
      phi[i] = z[i];
      if (dphidz) dphidz[i] = 1.0;
    }
  }
}

void PnlmeModelTransformToGaussian(PnlmeModel m, const PetscReal phi[], PetscReal z[])
{
  for (PetscInt i = 0; i < m->nparam; i++) {
    switch (m->transform[i]) {
    case PNLME_TRANSFORM_LOG:
      z[i] = log(phi[i]);
      break;
    case PNLME_TRANSFORM_LOGIT:
      z[i] = log(phi[i] / (1.0 - phi[i]));
      break;
    default:
      z[i] = phi[i];
    }
  }
}

/* ---------------- evaluation */
PetscErrorCode PnlmeModelPredict(PnlmeModel m, const PnlmeSubject *s, const PetscReal phi[], PetscReal pred[], PetscReal sens[], PnlmeSolveStatus *status)
{
  int rc;
  PetscFunctionBeginHot;
  PetscCheck(m->setupcalled, PETSC_COMM_SELF, PETSC_ERR_ORDER, "call PnlmeModelSetUp() before PnlmeModelPredict()");
  PetscCall(PetscLogEventBegin(PNLME_ModelPredict, 0, 0, 0, 0));
  if (m->kind == PNLME_MODEL_ODE) rc = PnlmeODESolveSubject(m->ode, s, phi, pred, sens);
  else rc = m->mops.predict(s, phi, pred, sens, m->ctx);
  *status = rc ? PNLME_SOLVE_FAILED : PNLME_SOLVE_OK;
  if (!rc) {
    for (PetscInt j = 0; j < s->nobs; j++)
      if (!isfinite(pred[j])) *status = PNLME_SOLVE_NONFINITE;
    if (sens && *status == PNLME_SOLVE_OK)
      for (PetscInt j = 0; j < s->nobs * m->nparam; j++)
        if (!isfinite(sens[j])) *status = PNLME_SOLVE_NONFINITE;
  }
  m->npredict++;
  if (*status) m->nfailed++;
  PetscCall(PetscLogEventEnd(PNLME_ModelPredict, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
