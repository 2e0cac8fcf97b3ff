/* PnlmeModel: lifecycle, declaration, queries, transforms and the prediction entry point. */
#include "model/modelimpl.h"
#include "model/lang/lang.h"
#include "sys/vmath.h"
#include "sys/fphold.h"
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
  m->kind  = PNLME_MODEL_CLOSED_FORM;
  m->batch = PETSC_TRUE;
  *model   = m;
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
  PetscCall(PetscFree2(m->dev, m->dinfo));
  PetscCall(PetscFree2(m->bdev, m->bdinfo));
  PetscCall(PetscFree(m->bphi));
  PetscCall(PetscFree(m->wpred));
  PetscCall(PetscFree(m->wphi));
  m->evcap = m->obscap = 0;
  m->nparam = m->nparam0 = m->nstate = m->ndose = m->nout = m->ndoseparam = 0;
  m->optdose[0]   = 0;
  m->predictdose  = NULL;
  m->predictbatch = NULL;
  m->hold         = NULL;
  m->predictbatchsens = NULL;
  m->predictbatchdosesens = NULL;
  m->hasops = m->stiff = m->setupcalled = m->steadystate = PETSC_FALSE;
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
  {"-model_lag", PNLME_OPT_INTARRAY, "none", "[1, 1000000]", NULL, "Absorption lag time of the doses into these compartments: adds the parameter Tlag (Tlag_<cmt> for several; log-normal; docs/models-pk.md)"},
  {"-model_batch", PNLME_OPT_BOOL, "true", NULL, NULL, "Evaluate several parameter sets together where the model can (closed forms, and ODEs by dopri5: SIMD lanes); false: one after the other, with the same results (docs/speed.md)"},
  {"-model_bioavailability", PNLME_OPT_INTARRAY, "none", "[1, 1000000]", NULL, "Bioavailability of the doses into these compartments: adds the parameter F (F_<cmt> for several; logit-normal; docs/models-pk.md)"},
};

PetscErrorCode PnlmeModelRegisterOptions(void)
{
  PetscFunctionBegin;
  PetscCall(PnlmeOptionsRegister("model", "Structural model (PnlmeModel)", NULL, PETSC_STATIC_ARRAY_LENGTH(ModelOptions), ModelOptions));
  PetscFunctionReturn(0);
}

/* -model_lag and -model_bioavailability: dose parameters added to the model as it was created.  Given
   again with the same lists (a second PnlmeModelSetFromOptions), nothing changes; other lists re-create
   the model first (before set-up only). */
static PetscErrorCode ModelDoseParametersFromOptions(PnlmeModel m)
{
  MPI_Comm    comm = PetscObjectComm((PetscObject)m);
  PetscObject obj  = (PetscObject)m;
  PetscInt    lag[PNLME_MAX_DOSE], bio[PNLME_MAX_DOSE], nlag = PNLME_MAX_DOSE, nbio = PNLME_MAX_DOSE;
  PetscBool   flag, fbio;
  char        spec[512] = "", item[32], dosecmts[256];

  PetscFunctionBegin;
  PetscCall(PnlmeOptionsGetIntArray(obj, "-model_lag", lag, &nlag, &flag));
  PetscCall(PnlmeOptionsGetIntArray(obj, "-model_bioavailability", bio, &nbio, &fbio));
  if (!flag) nlag = 0;
  if (!fbio) nbio = 0;
  for (PetscInt i = 0; i < nlag; i++) {
    PetscCall(PetscSNPrintf(item, sizeof(item), "L%" PetscInt_FMT ",", lag[i]));
    PetscCall(PetscStrlcat(spec, item, sizeof(spec)));
  }
  for (PetscInt i = 0; i < nbio; i++) {
    PetscCall(PetscSNPrintf(item, sizeof(item), "F%" PetscInt_FMT ",", bio[i]));
    PetscCall(PetscStrlcat(spec, item, sizeof(spec)));
  }
  if (!strcmp(spec, m->optdose)) PetscFunctionReturn(0);
  PetscCheck(!m->setupcalled, comm, PETSC_ERR_ORDER, "options -model_lag and -model_bioavailability must be given before the model is set up");
  if (m->optdose[0]) { /* other dose parameters than last time: start from the model as created */
    char name[PNLME_MAX_NAME];
    PetscCall(PetscStrncpy(name, ((PetscObject)m)->type_name, sizeof(name)));
    PetscCall(PetscFree(((PetscObject)m)->type_name));
    PetscCall(PnlmeModelSetType(m, name));
  }
  if (!m->ndose) PetscCall(PetscStrncpy(dosecmts, "it has none", sizeof(dosecmts)));
  else PetscCall(PetscStrncpy(dosecmts, m->ndose > 1 ? "its dosing compartments:" : "its dosing compartment:", sizeof(dosecmts)));
  for (PetscInt d = 0; d < m->ndose; d++) {
    PetscCall(PetscSNPrintf(item, sizeof(item), "%s %" PetscInt_FMT, d ? "," : "", m->dosecmt[d]));
    PetscCall(PetscStrlcat(dosecmts, item, sizeof(dosecmts)));
  }
  for (PetscInt i = 0; i < nlag; i++) {
    char     pname[PNLME_MAX_NAME];
    PetscInt st, idx;
    for (PetscInt j = 0; j < i; j++) PetscCheck(lag[j] != lag[i], comm, PETSC_ERR_ARG_WRONG, "option -model_lag: compartment %" PetscInt_FMT " is given twice", lag[i]);
    PetscCall(PnlmeModelGetDoseState(m, lag[i], &st));
    PetscCheck(st >= 0, comm, PETSC_ERR_ARG_WRONG, "option -model_lag %" PetscInt_FMT ": model %s has no dosing compartment %" PetscInt_FMT " (%s)", lag[i], ((PetscObject)m)->type_name, lag[i], dosecmts);
    if (nlag == 1) PetscCall(PetscStrncpy(pname, "Tlag", sizeof(pname)));
    else PetscCall(PetscSNPrintf(pname, sizeof(pname), "Tlag_%" PetscInt_FMT, lag[i]));
    PetscCall(PnlmeModelGetParameterIndex(m, pname, &idx));
    PetscCheck(idx < 0, comm, PETSC_ERR_ARG_WRONG, "option -model_lag %" PetscInt_FMT ": model %s already has a parameter named %s", lag[i], ((PetscObject)m)->type_name, pname);
    PetscCall(PnlmeModelAddDoseLag(m, lag[i], pname));
  }
  for (PetscInt i = 0; i < nbio; i++) {
    char     pname[PNLME_MAX_NAME];
    PetscInt st, idx;
    for (PetscInt j = 0; j < i; j++) PetscCheck(bio[j] != bio[i], comm, PETSC_ERR_ARG_WRONG, "option -model_bioavailability: compartment %" PetscInt_FMT " is given twice", bio[i]);
    PetscCall(PnlmeModelGetDoseState(m, bio[i], &st));
    PetscCheck(st >= 0, comm, PETSC_ERR_ARG_WRONG, "option -model_bioavailability %" PetscInt_FMT ": model %s has no dosing compartment %" PetscInt_FMT " (%s)", bio[i], ((PetscObject)m)->type_name, bio[i], dosecmts);
    if (nbio == 1) PetscCall(PetscStrncpy(pname, "F", sizeof(pname)));
    else PetscCall(PetscSNPrintf(pname, sizeof(pname), "F_%" PetscInt_FMT, bio[i]));
    PetscCall(PnlmeModelGetParameterIndex(m, pname, &idx));
    PetscCheck(idx < 0, comm, PETSC_ERR_ARG_WRONG, "option -model_bioavailability %" PetscInt_FMT ": model %s already has a parameter named %s", bio[i], ((PetscObject)m)->type_name, pname);
    PetscCall(PnlmeModelAddDoseBioavailability(m, bio[i], pname));
  }
  PetscCall(PetscStrncpy(m->optdose, spec, sizeof(m->optdose)));
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
  PetscCall(ModelDoseParametersFromOptions(m));
  if (m->ode) PetscCall(PnlmeODESetFromOptions(m->ode, obj));
  PetscCall(PnlmeOptionsGetBool(obj, "-model_batch", &m->batch, NULL));
  PetscCall(PnlmeOptionsGetBool(obj, "-model_view", &view, NULL));
  if (view) PetscCall(PnlmeModelView(m, PETSC_VIEWER_STDOUT_(PetscObjectComm((PetscObject)m))));
  PetscFunctionReturn(0);
}

/* the dosed timeline's work arrays, for subjects of up to nobs observations and nev entries (models
   with dose parameters only) */
static PetscErrorCode ModelReserve(PnlmeModel m, PetscInt nobs, PetscInt nev)
{
  PetscFunctionBegin;
  if (!m->ndoseparam) PetscFunctionReturn(0);
  if (nev > m->evcap) {
    PetscCall(PetscFree2(m->dev, m->dinfo));
    /* twice: an infusion start without its end entry (a hand-built timeline) gets one */
    PetscCall(PetscMalloc2(2 * nev, &m->dev, 2 * nev, &m->dinfo));
    PetscCall(PetscFree2(m->bdev, m->bdinfo));
    if (m->kind == PNLME_MODEL_ODE || m->predictbatch) PetscCall(PetscMalloc2(PNLME_MODEL_BATCH * 2 * nev, &m->bdev, PNLME_MODEL_BATCH * 2 * nev, &m->bdinfo));
    m->evcap = nev;
  }
  if (nobs > m->obscap) {
    PetscCall(PetscFree(m->wpred));
    PetscCall(PetscMalloc1(2 * nobs, &m->wpred));
    m->obscap = nobs;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetUp(PnlmeModel m)
{
  PetscFunctionBegin;
  if (m->setupcalled) PetscFunctionReturn(0);
  PetscCheck(((PetscObject)m)->type_name, PetscObjectComm((PetscObject)m), PETSC_ERR_ORDER, "PnlmeModelSetType() or -model must come before PnlmeModelSetUp()");
  if (m->ode) PetscCall(PnlmeODESetUp(m->ode));
  PetscCall(PetscFree(m->wphi));
  PetscCall(PetscMalloc1(m->nparam, &m->wphi));
  PetscCall(PetscFree(m->bphi));
  if (m->kind != PNLME_MODEL_ODE && m->ndoseparam && m->predictbatch) PetscCall(PetscMalloc1(PNLME_MODEL_BATCH * m->nparam0, &m->bphi));
  m->setupcalled = PETSC_TRUE;
  PetscCall(ModelReserve(m, m->obswant, m->evwant));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetMaxSizes(PnlmeModel m, PetscInt maxobs, PetscInt maxev)
{
  PetscFunctionBegin;
  PetscCheck(maxobs >= 0 && maxev >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "negative sizes");
  m->obswant = PetscMax(m->obswant, maxobs);
  m->evwant  = PetscMax(m->evwant, maxev);
  if (m->setupcalled) PetscCall(ModelReserve(m, m->obswant, m->evwant));
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
  for (PetscInt i = 0; i < m->nparam; i++) {
    const char *what = NULL;
    PetscInt    cmt  = 0;
    for (PetscInt d = 0; d < m->ndose; d++) {
      if (m->doselag[d] == i) what = "lag of CMT";
      if (m->dosebio[d] == i) what = "bioavailability of CMT";
      if (m->doselag[d] == i || m->dosebio[d] == i) cmt = m->dosecmt[d];
    }
    if (what) PetscCall(PetscViewerASCIIPrintf(v, " %s (%s, %s %" PetscInt_FMT ")", m->pname[i], PnlmeTransforms[m->transform[i]], what, cmt));
    else PetscCall(PetscViewerASCIIPrintf(v, " %s (%s)", m->pname[i], PnlmeTransforms[m->transform[i]]));
  }
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
  PetscCheck(!m->ndoseparam, PetscObjectComm((PetscObject)m), PETSC_ERR_ORDER, "model %s: PnlmeModelSetParameters must come before PnlmeModelAddDoseLag and PnlmeModelAddDoseBioavailability", ((PetscObject)m)->type_name);
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
  m->nparam = m->nparam0 = n;
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
  m->doselag[m->ndose]   = -1;
  m->dosebio[m->ndose]   = -1;
  m->ndose++;
  PetscFunctionReturn(0);
}

/* appends dose parameter `name` (kind 0: lag, 1: bioavailability) of dosing compartment cmt */
static PetscErrorCode ModelAddDoseParameter(PnlmeModel m, PetscInt cmt, const char name[], int kind)
{
  MPI_Comm        comm = PetscObjectComm((PetscObject)m);
  const char     *what = kind ? "bioavailability" : "lag time";
  PetscInt        d = -1, n = m->nparam;
  char          (*pname)[PNLME_MAX_NAME];
  PnlmeTransform *tr;

  PetscFunctionBegin;
  PetscCheck(!m->setupcalled, comm, PETSC_ERR_ORDER, "model %s: a %s must be declared before the model is set up", ((PetscObject)m)->type_name, what);
  PetscCheck(m->nparam0 > 0, comm, PETSC_ERR_ORDER, "model %s: PnlmeModelSetParameters must come before a %s", ((PetscObject)m)->type_name, what);
  for (PetscInt i = 0; i < m->ndose; i++)
    if (m->dosecmt[i] == cmt) d = i;
  PetscCheck(d >= 0, comm, PETSC_ERR_ARG_WRONG, "model %s: %s of compartment %" PetscInt_FMT ", which is not a dosing compartment (PnlmeModelAddDoseCompartment)", ((PetscObject)m)->type_name, what, cmt);
  PetscCheck((kind ? m->dosebio[d] : m->doselag[d]) < 0, comm, PETSC_ERR_ARG_WRONG, "model %s: compartment %" PetscInt_FMT " already has a %s (parameter %s)", ((PetscObject)m)->type_name, cmt, what, m->pname[kind ? m->dosebio[d] : m->doselag[d]]);
  PetscCheck(name && strlen(name) > 0 && strlen(name) < PNLME_MAX_NAME, comm, PETSC_ERR_ARG_WRONG, "model %s: the %s of compartment %" PetscInt_FMT " has no usable name", ((PetscObject)m)->type_name, what, cmt);
  for (PetscInt j = 0; j < n; j++) PetscCheck(strcmp(name, m->pname[j]), comm, PETSC_ERR_ARG_WRONG, "model %s: parameter name %s is used twice", ((PetscObject)m)->type_name, name);
  PetscCheck(n < 64, comm, PETSC_ERR_ARG_OUTOFRANGE, "model %s: more than 64 parameters", ((PetscObject)m)->type_name);
  PetscCall(PetscCalloc1(n + 1, &pname));
  PetscCall(PetscMalloc1(n + 1, &tr));
  for (PetscInt j = 0; j < n; j++) {
    PetscCall(PetscStrncpy(pname[j], m->pname[j], PNLME_MAX_NAME));
    tr[j] = m->transform[j];
  }
  PetscCall(PetscStrncpy(pname[n], name, PNLME_MAX_NAME));
  tr[n] = kind ? PNLME_TRANSFORM_LOGIT : PNLME_TRANSFORM_LOG;
  PetscCall(PetscFree(m->pname));
  PetscCall(PetscFree(m->transform));
  m->pname     = pname;
  m->transform = tr;
  if (kind) m->dosebio[d] = n;
  else m->doselag[d] = n;
  m->nparam = n + 1;
  m->ndoseparam++;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelAddDoseLag(PnlmeModel m, PetscInt cmt, const char name[])
{
  PetscFunctionBegin;
  PetscCall(ModelAddDoseParameter(m, cmt, name, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelAddDoseBioavailability(PnlmeModel m, PetscInt cmt, const char name[])
{
  PetscFunctionBegin;
  PetscCall(ModelAddDoseParameter(m, cmt, name, 1));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetTransform(PnlmeModel m, PetscInt i, PnlmeTransform tr)
{
  PetscFunctionBegin;
  PetscCheck(i >= 0 && i < m->nparam, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "parameter index %" PetscInt_FMT " out of range", i);
  PetscCheck(!m->setupcalled, PetscObjectComm((PetscObject)m), PETSC_ERR_ORDER, "model %s: transforms are set before the model is set up", ((PetscObject)m)->type_name);
  PetscCheck(tr >= PNLME_TRANSFORM_NORMAL && tr <= PNLME_TRANSFORM_LOGIT, PetscObjectComm((PetscObject)m), PETSC_ERR_ARG_OUTOFRANGE, "unknown transform %d", (int)tr);
  m->transform[i] = tr;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetPredictDose(PnlmeModel m, PnlmeModelPredictDoseFn fn)
{
  PetscFunctionBegin;
  m->predictdose = fn;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetSteadyState(PnlmeModel m, PetscBool flg)
{
  PetscFunctionBegin;
  m->steadystate = flg;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelGetSteadyState(PnlmeModel m, PetscBool *flg)
{
  PetscFunctionBegin;
  *flg = m->steadystate;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetPredictBatch(PnlmeModel m, PnlmeModelPredictBatchFn fn, PnlmeModelHoldFn hold)
{
  PetscFunctionBegin;
  m->predictbatch = fn;
  m->hold         = hold;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelHoldSubjects(PnlmeModel m, PetscBool hold)
{
  PetscFunctionBegin;
  PetscValidHeader(m, 1);
  /* not with dose parameters: the batched calls then pass dosed timelines built in work arrays, a new
     subject at the same address each call */
  if (m->hold && m->batch && !m->ndoseparam) m->hold(m->ctx, hold);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelSetPredictBatchSens(PnlmeModel m, PnlmeModelPredictBatchSensFn fn, PnlmeModelPredictBatchDoseSensFn dosefn)
{
  PetscFunctionBegin;
  m->predictbatchsens     = fn;
  m->predictbatchdosesens = dosefn;
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
PetscErrorCode PnlmeModelGetOutputCompartment(PnlmeModel m, PetscInt i, PetscInt *cmt)
{
  PetscFunctionBegin;
  PetscCheck(i >= 0 && i < m->nout, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "output index %" PetscInt_FMT " out of range", i);
  *cmt = m->outcmt[i];
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
PetscErrorCode PnlmeModelGetDoseParameters(PnlmeModel m, PetscInt cmt, PetscInt *ilag, PetscInt *ibio)
{
  PetscFunctionBegin;
  if (ilag) *ilag = -1;
  if (ibio) *ibio = -1;
  for (PetscInt i = 0; i < m->ndose; i++)
    if (m->dosecmt[i] == cmt) {
      if (ilag) *ilag = m->doselag[i];
      if (ibio) *ibio = m->dosebio[i];
    }
  PetscFunctionReturn(0);
}
PetscErrorCode PnlmeModelGetNumStructuralParameters(PnlmeModel m, PetscInt *n)
{
  PetscFunctionBegin;
  *n = m->nparam0;
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
/* The exponentials of the transforms are PnlmeExpInline's (sys/vmath.h): the same bits in the scalar
   code and in the SIMD lanes of PnlmeModelTransformToNaturalMany. */
static inline PetscReal InvLogit(PetscReal z)
{
  const PetscReal e = PnlmeExpInline(-fabs(z)); /* stable for large |z| */
  return z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

void PnlmeModelTransformToNatural(PnlmeModel m, const PetscReal z[], PetscReal phi[], PetscReal dphidz[])
{
  for (PetscInt i = 0; i < m->nparam; i++) {
    switch (m->transform[i]) {
    case PNLME_TRANSFORM_LOG:
      phi[i] = PnlmeExpInline(z[i]);
      if (dphidz) dphidz[i] = phi[i];
      break;
    case PNLME_TRANSFORM_LOGIT:
      phi[i] = InvLogit(z[i]);
      if (dphidz) dphidz[i] = phi[i] * (1.0 - phi[i]);
      break;
    default:
      phi[i] = z[i];
      if (dphidz) dphidz[i] = 1.0;
    }
  }
}

/* column i of n rows of p: phi = e^z (log) or the inverse logit of z, in SIMD lanes (through a
   contiguous copy: strided lanes cost more than the copies) */
PNLME_SIMD_CLONES static void TransformColumn(PetscInt n, PetscInt p, PetscInt i, int logit, const PetscReal *restrict z, PetscReal *restrict phi)
{
  PetscReal t[64];
  for (PetscInt l0 = 0; l0 < n; l0 += 64) {
    const PetscInt nb = PetscMin(64, n - l0);
    for (PetscInt l = 0; l < nb; l++) t[l] = z[(l0 + l) * p + i];
    if (!logit) {
#pragma omp simd
      for (PetscInt l = 0; l < nb; l++) t[l] = PnlmeExpInline(t[l]);
    } else {
#pragma omp simd
      for (PetscInt l = 0; l < nb; l++) t[l] = InvLogit(t[l]);
    }
    for (PetscInt l = 0; l < nb; l++) phi[(l0 + l) * p + i] = t[l];
  }
}

void PnlmeModelTransformToNaturalMany(PnlmeModel m, PetscInt n, const PetscReal z[], PetscReal phi[])
{
  const PetscInt p = m->nparam;
  for (PetscInt i = 0; i < p; i++) {
    if (m->transform[i] == PNLME_TRANSFORM_LOG || m->transform[i] == PNLME_TRANSFORM_LOGIT) TransformColumn(n, p, i, m->transform[i] == PNLME_TRANSFORM_LOGIT, z, phi);
    else
      for (PetscInt l = 0; l < n; l++) phi[l * p + i] = z[l * p + i];
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

/* ---------------- the dosed timeline

   Every dose into a compartment with dose parameters is moved to t + Tlag; a bolus brings F x AMT; an
   infusion keeps its rate and lasts F x AMT/RATE, its end being derived from its start (the data layer's
   end entries of these compartments are dropped).  Entries are ordered by time and, at equal times, in
   the order of the subject's timeline (key 2i for entry i): a lagged dose that lands on an observation
   time comes before that observation (the observation sees it), as the dose row came first.  Derived
   infusion ends come after every other entry at their time (key 2r - 1, r the next reset): an
   observation at the end of an infusion sees it still running, like the data layer's own ends.  A reset
   forgets every dose listed before it: a dose that its lag would move past the next reset is dropped,
   and an infusion still running at the reset ends there.  So entries never cross a reset, and the
   result has at most as many entries as the subject's timeline. */
static inline PetscInt ModelDoseGroup(PnlmeModel m, PetscInt cmt)
{
  if (cmt <= 0) cmt = 1; /* as the closed forms: a dose without a compartment goes to CMT 1 */
  for (PetscInt d = 0; d < m->ndose; d++)
    if (m->dosecmt[d] == cmt) return (m->doselag[d] >= 0 || m->dosebio[d] >= 0) ? d : -1;
  return -1;
}

static inline int ModelDoseBefore(const PnlmeEvent *a, const PnlmeDoseInfo *ia, const PnlmeEvent *b, const PnlmeDoseInfo *ib)
{
  return a->time < b->time || (a->time == b->time && ia->key < ib->key);
}

/* the dosed timeline of s under phi into ev and info (at least 2 evcap entries each), *out its subject */
static int ModelDoseTimelineInto(PnlmeModel m, const PnlmeSubject *s, const PetscReal phi[], PnlmeEvent ev[], PnlmeDoseInfo info[], PnlmeSubject *out)
{
  PetscInt n = 0;

  for (PetscInt d = 0; d < m->ndose; d++) {
    if (m->doselag[d] >= 0 && !(phi[m->doselag[d]] >= 0 && phi[m->doselag[d]] < PETSC_MAX_REAL)) return 1;
    if (m->dosebio[d] >= 0 && !(phi[m->dosebio[d]] >= 0 && phi[m->dosebio[d]] < PETSC_MAX_REAL)) return 1;
  }
  *out    = *s;
  out->ev = ev;
  for (PetscInt start = 0, r; start < s->nev; start = r + 1) {
    PetscReal tr;
    for (r = start; r < s->nev && s->ev[r].type != PNLME_EV_RESET; r++) { }
    tr = r < s->nev ? s->ev[r].time : PETSC_MAX_REAL;
    for (PetscInt i = start; i <= r && i < s->nev; i++) {
      const PnlmeEvent *e = &s->ev[i];
      const PetscInt    g = (e->type == PNLME_EV_OBS || e->type == PNLME_EV_RESET || e->type == PNLME_EV_STEADY_STATE) ? -1 : ModelDoseGroup(m, e->cmt);
      PetscReal         lag, F, t;
      if (g < 0) {
        ev[n]              = *e;
        info[n].ilag       = info[n].ibio = -1;
        info[n].amount0    = e->amount;
        info[n].duration0  = e->duration;
        info[n].end        = 0;
        info[n].key        = 2 * i;
        n++;
        continue;
      }
      if (e->type == PNLME_EV_INFUSION_END) continue; /* derived from its start below */
      lag = m->doselag[g] >= 0 ? phi[m->doselag[g]] : 0.0;
      F   = m->dosebio[g] >= 0 ? phi[m->dosebio[g]] : 1.0;
      t   = e->time + lag;
      if (t > tr) continue; /* given after the reset that follows its record: forgotten */
      ev[n]             = *e;
      ev[n].time        = t;
      info[n].ilag      = m->doselag[g];
      info[n].ibio      = m->dosebio[g];
      info[n].amount0   = e->amount;
      info[n].duration0 = e->duration;
      info[n].end       = 0;
      info[n].key       = 2 * i;
      if (e->type == PNLME_EV_BOLUS) {
        ev[n].amount = F * e->amount;
        n++;
      } else if (e->type == PNLME_EV_INFUSION_START) {
        const PetscReal te = t + F * e->duration;
        ev[n].duration     = F * e->duration;
        n++;
        ev[n].time        = te < tr ? te : tr;
        ev[n].amount      = e->amount;
        ev[n].duration    = 0;
        ev[n].type        = PNLME_EV_INFUSION_END;
        ev[n].cmt         = e->cmt;
        ev[n].index       = e->index;
        info[n]           = info[n - 1];
        info[n].end       = te < tr ? 1 : 0; /* an end held at the reset does not move */
        info[n].key       = 2 * r - 1;
        n++;
      } else n++;
    }
  }
  /* insertion sort by (time, key): only the moved doses and ends are out of place */
  for (PetscInt i = 1; i < n; i++) {
    if (!ModelDoseBefore(&ev[i], &info[i], &ev[i - 1], &info[i - 1])) continue;
    {
      const PnlmeEvent    e  = ev[i];
      const PnlmeDoseInfo fi = info[i];
      PetscInt            j  = i;
      for (; j > 0 && ModelDoseBefore(&e, &fi, &ev[j - 1], &info[j - 1]); j--) {
        ev[j]   = ev[j - 1];
        info[j] = info[j - 1];
      }
      ev[j]   = e;
      info[j] = fi;
    }
  }
  out->nev = n;
  return 0;
}

int PnlmeModelDoseTimeline(PnlmeModel m, const PnlmeSubject *s, const PetscReal phi[], PnlmeSubject *out) { return ModelDoseTimelineInto(m, s, phi, m->dev, m->dinfo, out); }

/* A closed form that knows nothing of dose parameters (a plugin): its predict on the dosed timeline,
   its sensitivities (one column per structural parameter, spread to the full rows) and the columns of the
   dose parameters by central differences of whole predictions (forward differences where the backward
   point would leave the domain: a lag or a bioavailability below 0). */
static int ModelPredictClosedFormDoses(PnlmeModel m, const PnlmeSubject *s, const PetscReal phi[], PetscReal pred[], PetscReal sens[])
{
  const PetscInt p = m->nparam, p0 = m->nparam0, nobs = s->nobs;
  PnlmeSubject   ts;
  PetscReal     *yp = m->wpred, *ym = m->wpred + m->obscap;

  if (PnlmeModelDoseTimeline(m, s, phi, &ts)) return 1;
  if (m->mops.predict(&ts, phi, pred, sens, m->ctx)) return 1;
  if (!sens) return 0;
  for (PetscInt j = nobs - 1; j >= 0; j--) { /* rows of p0 columns to rows of p: later rows first */
    memmove(sens + (size_t)j * p, sens + (size_t)j * p0, sizeof(PetscReal) * (size_t)p0);
    for (PetscInt k = p0; k < p; k++) sens[(size_t)j * p + k] = 0;
  }
  for (PetscInt k = p0; k < p; k++) {
    const PetscReal h = 6.0554544523933395e-06 * PetscMax(PetscAbsReal(phi[k]), 1e-3);
    const int       central = phi[k] - h >= 0;
    for (PetscInt l = 0; l < p; l++) m->wphi[l] = phi[l];
    m->wphi[k] = phi[k] + h;
    if (PnlmeModelDoseTimeline(m, s, m->wphi, &ts) || m->mops.predict(&ts, m->wphi, yp, NULL, m->ctx)) return 1;
    if (central) {
      m->wphi[k] = phi[k] - h;
      if (PnlmeModelDoseTimeline(m, s, m->wphi, &ts) || m->mops.predict(&ts, m->wphi, ym, NULL, m->ctx)) return 1;
      for (PetscInt j = 0; j < nobs; j++) sens[(size_t)j * p + k] = (yp[j] - ym[j]) / (2 * h);
    } else {
      for (PetscInt j = 0; j < nobs; j++) sens[(size_t)j * p + k] = (yp[j] - pred[j]) / h;
    }
  }
  return 0;
}

/* ---------------- evaluation */

/* whether x[0..n) are all finite: x * 0 is 0 for a finite x and NaN for an infinity or a NaN, and a sum
   with a NaN is NaN (a reduction in SIMD lanes, where a test per entry stays scalar) */
static inline PetscBool AllFinite(PetscInt n, const PetscReal *restrict x)
{
  PetscReal z = 0;
#pragma omp simd reduction(+ : z)
  for (PetscInt j = 0; j < n; j++) z += x[j] * 0.0;
  return (PetscBool)(z == 0);
}

/* the status of one prediction (rc: its operation's return code), counted */
static inline PnlmeSolveStatus SolveStatus(PnlmeModel m, const PnlmeSubject *s, int rc, const PetscReal pred[], const PetscReal sens[])
{
  PnlmeSolveStatus st = rc ? PNLME_SOLVE_FAILED : PNLME_SOLVE_OK;
  if (rc == PNLME_MODEL_STOPPED) { /* stopped by its budget (PnlmeModelPredictManyStop): not a failure */
    m->npredict++;
    return PNLME_SOLVE_STOPPED;
  }
  if (!rc && (!AllFinite(s->nobs, pred) || (sens && !AllFinite(s->nobs * m->nparam, sens)))) st = PNLME_SOLVE_NONFINITE;
  m->npredict++;
  if (st) m->nfailed++;
  return st;
}

PetscErrorCode PnlmeModelSetSensitivityMask(PnlmeModel m, const PetscBool mask[])
{
  PetscFunctionBegin;
  PetscCheck(m->setupcalled, PETSC_COMM_SELF, PETSC_ERR_ORDER, "call PnlmeModelSetUp() before PnlmeModelSetSensitivityMask()");
  if (m->kind == PNLME_MODEL_ODE) PnlmeODESetSensitivityMask(m->ode, mask); /* the closed forms give every column at little cost */
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelPredict(PnlmeModel m, const PnlmeSubject *s, const PetscReal phi[], PetscReal pred[], PetscReal sens[], PnlmeSolveStatus *status)
{
  int         rc;
  PnlmeFPHold fp;
  PetscFunctionBeginHot;
  PetscCheck(m->setupcalled, PETSC_COMM_SELF, PETSC_ERR_ORDER, "call PnlmeModelSetUp() before PnlmeModelPredict()");
  PetscCall(PetscLogEventBegin(PNLME_ModelPredict, 0, 0, 0, 0));
  if (m->ndoseparam) /* a larger subject than announced grows the arrays once (sized by PnlmeModelSetMaxSizes) */
    if (s->nev > m->evcap || s->nobs > m->obscap) PetscCall(ModelReserve(m, PetscMax(s->nobs, m->obscap), PetscMax(s->nev, m->evcap)));
  PnlmeFPHoldBegin(&fp); /* traps held off (sys/fphold.h) */
  if (m->ndoseparam) {
    PnlmeSubject ts;
    if (m->kind == PNLME_MODEL_ODE) rc = PnlmeModelDoseTimeline(m, s, phi, &ts) ? 1 : PnlmeODESolveSubject(m->ode, &ts, m->dinfo, phi, pred, sens);
    else if (m->predictdose) rc = PnlmeModelDoseTimeline(m, s, phi, &ts) ? 1 : m->predictdose(&ts, m->dinfo, phi, m->nparam, pred, sens, m->ctx);
    else rc = ModelPredictClosedFormDoses(m, s, phi, pred, sens);
  } else if (m->kind == PNLME_MODEL_ODE) rc = PnlmeODESolveSubject(m->ode, s, NULL, phi, pred, sens);
  else rc = m->mops.predict(s, phi, pred, sens, m->ctx);
  PnlmeFPHoldEnd(&fp);
  *status = SolveStatus(m, s, rc, pred, sens);
  PetscCall(PetscLogEventEnd(PNLME_ModelPredict, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelPredictMany(PnlmeModel m, PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], PnlmeSolveStatus status[])
{
  PetscFunctionBeginHot;
  PetscCall(PnlmeModelPredictManyStop(m, nb, s, phi, pred, NULL, status));
  PetscFunctionReturn(0);
}

/* PnlmeModelPredictManyStop, and with sens (stop NULL) PnlmeModelPredictManySens */
static PetscErrorCode ModelPredictMany(PnlmeModel m, PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], PetscReal *const sens[], const PnlmePredictStop *stop, PnlmeSolveStatus status[])
{
  const PetscInt  np      = m->nparam;
  const PetscBool cfbatch = sens ? (m->ndoseparam ? m->predictbatchdosesens != NULL : m->predictbatchsens != NULL) : m->predictbatch != NULL; /* a closed form's batch operation applies */
  PetscFunctionBeginHot;
  if (!m->batch || (m->kind == PNLME_MODEL_CLOSED_FORM && !cfbatch)) {
    for (PetscInt L = 0; L < nb; L++) {
      if (stop && stop->budget[L] < 0) status[L] = SolveStatus(m, s[L], PNLME_MODEL_STOPPED, NULL, NULL);
      else PetscCall(PnlmeModelPredict(m, s[L], phi + L * np, pred[L], sens ? sens[L] : NULL, &status[L]));
    }
    PetscFunctionReturn(0);
  }
  PetscCheck(m->setupcalled, PETSC_COMM_SELF, PETSC_ERR_ORDER, "call PnlmeModelSetUp() before PnlmeModelPredictMany()");
  if (m->ndoseparam) /* a larger subject than announced grows the dosed timelines' arrays once */
    for (PetscInt L = 0; L < nb; L++)
      if (s[L]->nev > m->evcap || s[L]->nobs > m->obscap) PetscCall(ModelReserve(m, PetscMax(s[L]->nobs, m->obscap), PetscMax(s[L]->nev, m->evcap)));
  PetscCall(PetscLogEventBegin(PNLME_ModelPredict, 0, 0, 0, 0));
  for (PetscInt L0 = 0; L0 < nb; L0 += PNLME_MODEL_BATCH) { /* rc in chunks: no allocation */
    const PetscInt n = PetscMin(PNLME_MODEL_BATCH, nb - L0);
    int              rc[PNLME_MODEL_BATCH];
    PnlmePredictStop chunk, *cs = NULL; /* the stop of this chunk's sets */
    PnlmeFPHold      fp;
    if (stop) {
      chunk        = *stop;
      chunk.budget = stop->budget + L0;
      cs           = &chunk;
    }
    PnlmeFPHoldBegin(&fp); /* traps held off (sys/fphold.h) */
    if (m->ndoseparam) { /* each set on its own dosed timeline */
      PnlmeSubject         ts[PNLME_MODEL_BATCH];
      const PnlmeSubject  *tsp[PNLME_MODEL_BATCH];
      const PnlmeDoseInfo *tsi[PNLME_MODEL_BATCH];
      int                  bad[PNLME_MODEL_BATCH];
      for (PetscInt L = 0; L < n; L++) {
        const PetscInt off = L * 2 * m->evcap;
        bad[L]             = ModelDoseTimelineInto(m, s[L0 + L], phi + (L0 + L) * np, m->bdev + off, m->bdinfo + off, &ts[L]);
        if (bad[L]) { /* invalid dose parameters: nothing to solve, it fails */
          ts[L]     = *s[L0 + L];
          ts[L].nev = 0;
        }
        tsp[L] = &ts[L];
        tsi[L] = m->bdinfo + off;
      }
      if (m->kind == PNLME_MODEL_ODE) (void)PnlmeODESolveMany(m->ode, n, tsp, tsi, phi + L0 * np, pred + L0, sens ? sens + L0 : NULL, cs, rc);
      else { /* a closed form takes its own parameters: the dose parameters are in the timelines */
        for (PetscInt L = 0; L < n; L++) memcpy(m->bphi + L * m->nparam0, phi + (L0 + L) * np, sizeof(PetscReal) * (size_t)m->nparam0);
        if (sens) (void)m->predictbatchdosesens(n, tsp, tsi, m->bphi, np, pred + L0, sens + L0, rc, m->ctx);
        else (void)m->predictbatch(n, tsp, m->bphi, pred + L0, cs, rc, m->ctx);
      }
      for (PetscInt L = 0; L < n; L++)
        if (bad[L] && rc[L] != PNLME_MODEL_STOPPED) rc[L] = 1;
    } else if (m->kind == PNLME_MODEL_ODE) (void)PnlmeODESolveMany(m->ode, n, s + L0, NULL, phi + L0 * np, pred + L0, sens ? sens + L0 : NULL, cs, rc);
    else if (sens) (void)m->predictbatchsens(n, s + L0, phi + L0 * np, pred + L0, sens + L0, rc, m->ctx);
    else (void)m->predictbatch(n, s + L0, phi + L0 * np, pred + L0, cs, rc, m->ctx);
    PnlmeFPHoldEnd(&fp);
    for (PetscInt L = L0; L < L0 + n; L++) status[L] = SolveStatus(m, s[L], rc[L - L0], pred[L], sens ? sens[L] : NULL);
  }
  PetscCall(PetscLogEventEnd(PNLME_ModelPredict, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelPredictManyStop(PnlmeModel m, PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], const PnlmePredictStop *stop, PnlmeSolveStatus status[])
{
  PetscFunctionBeginHot;
  PetscCall(ModelPredictMany(m, nb, s, phi, pred, NULL, stop, status));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelPredictManySens(PnlmeModel m, PetscInt nb, const PnlmeSubject *const s[], const PetscReal phi[], PetscReal *const pred[], PetscReal *const sens[], PnlmeSolveStatus status[])
{
  PetscFunctionBeginHot;
  PetscCall(ModelPredictMany(m, nb, s, phi, pred, sens, NULL, status));
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelPredictBatch(PnlmeModel m, const PnlmeSubject *s, PetscInt nb, const PetscReal phi[], PetscReal pred[], PnlmeSolveStatus status[])
{
  const PetscInt np = m->nparam;
  PetscFunctionBeginHot;
  for (PetscInt L0 = 0; L0 < nb; L0 += PNLME_MODEL_BATCH) { /* the subject and row pointers in chunks: no allocation */
    const PetscInt      n = PetscMin(PNLME_MODEL_BATCH, nb - L0);
    const PnlmeSubject *sl[PNLME_MODEL_BATCH];
    PetscReal          *pl[PNLME_MODEL_BATCH];
    for (PetscInt L = 0; L < n; L++) {
      sl[L] = s;
      pl[L] = pred + (L0 + L) * s->nobs;
    }
    PetscCall(PnlmeModelPredictMany(m, n, sl, phi + L0 * np, pl, status + L0));
  }
  PetscFunctionReturn(0);
}
