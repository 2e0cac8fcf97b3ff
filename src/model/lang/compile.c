/* Model files: read (rank 0, broadcast), parse and check (every rank, the same text: the same one-line
   error everywhere), generate C, compile it once per node into a cache keyed by the hash of the code and
   the compiler, and hand the shared object to the plugin loader (src/model/model.c), whose
   PnlmeModelPluginRegister calls PnlmeModelLangRegister below.

   Cache: DIR/pnlme-<XXH64>.so (and the .c beside it).  One rank per node (MPI_COMM_TYPE_SHARED) looks
   the object up and, if it is missing, takes an exclusive flock on DIR/pnlme-<hash>.lock, looks again,
   and compiles to a temporary name that it renames into place: concurrent starts on nodes that share
   the directory (or separate jobs on one node) compile once or, where flock does not reach, compile
   the same bytes twice and rename atomically; a reader never sees a partial object. */
#include "model/lang/lang.h"
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* snprintf without gcc's truncation warnings: messages and paths are cut at the buffer's end */
static void Fmt(char buf[], size_t len, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(3, 4);
static void Fmt(char buf[], size_t len, const char fmt[], ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
}

/* ---------------- the models loaded in this process */
typedef struct {
  char                 name[PNLME_MAX_NAME];
  uint64_t             hash;
  const PnlmeLangDesc *desc;
  char                 label[PETSC_MAX_PATH_LEN];
} LangEntry;
#define LANG_MAX_LOADED 64
static LangEntry LangLoaded[LANG_MAX_LOADED];
static int       LangNLoaded = 0;
static int       LangPending = -1; /* the entry PnlmeModelLangRegister fills */

static struct {
  char      sopath[PETSC_MAX_PATH_LEN];
  PetscBool compiled;
  double    seconds;
} LangLast;

static LangEntry *LangFind(const char name[])
{
  for (int k = 0; k < LangNLoaded; k++)
    if (!strcmp(LangLoaded[k].name, name)) return &LangLoaded[k];
  return NULL;
}

/* ---------------- closed forms: the dose sums, walked by pnlme */
typedef struct {
  const PnlmeLangDesc *d;
  PetscInt             np, nsum;
  PetscReal           *S, *dS, *dv, *dydp, *dydS;
} LangCF;

static PetscErrorCode LangCFDestroy(void *ctx)
{
  LangCF *c = (LangCF *)ctx;
  PetscFunctionBegin;
  PetscCall(PetscFree5(c->S, c->dS, c->dv, c->dydp, c->dydS));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

/* every observation: S_k = sum over the boluses since the last reset listed before it of
   sum_k(t - tdose, amt, cmt, phi); y = cfout(t, phi, S).  Infusions are not closed-form inputs here. */
static int LangCFPredict(const PnlmeSubject *s, const PetscReal phi[], PetscReal pred[], PetscReal sens[], void *ctx)
{
  LangCF              *c = (LangCF *)ctx;
  const PnlmeLangDesc *d = c->d;
  const PetscInt       np = c->np, ns = c->nsum;
  PetscInt             start = 0;
  for (PetscInt e = 0; e < s->nev; e++) {
    const PnlmeEvent *ev = &s->ev[e];
    if (ev->type == PNLME_EV_RESET) start = e + 1;
    else if (ev->type == PNLME_EV_INFUSION_START || ev->type == PNLME_EV_INFUSION_END || ev->type == PNLME_EV_STEADY_STATE) return 1;
    else if (ev->type == PNLME_EV_OBS) {
      const PetscInt j = ev->index, iout = s->obsout ? s->obsout[j] : 0;
      for (PetscInt k = 0; k < ns; k++) {
        c->S[k] = 0.0;
        if (sens)
          for (PetscInt q = 0; q < np; q++) c->dS[k * np + q] = 0.0;
      }
      for (PetscInt f = start; f < e; f++) {
        const PnlmeEvent *dv = &s->ev[f];
        if (dv->type != PNLME_EV_BOLUS) continue;
        for (PetscInt k = 0; k < ns; k++) {
          PetscReal v;
          if (d->sum((int)k, ev->time - dv->time, dv->amount, dv->cmt, phi, &v, sens ? c->dv : NULL)) return 1;
          c->S[k] += v;
          if (sens)
            for (PetscInt q = 0; q < np; q++) c->dS[k * np + q] += c->dv[q];
        }
      }
      if (d->cfout(ev->time, phi, c->S, iout, &pred[j], sens ? c->dydp : NULL, sens ? c->dydS : NULL)) return 1;
      if (sens) {
        PetscReal *row = sens + j * np;
        for (PetscInt q = 0; q < np; q++) row[q] = c->dydp[q];
        for (PetscInt k = 0; k < ns; k++)
          if (c->dydS[k] != 0.0)
            for (PetscInt q = 0; q < np; q++) row[q] += c->dydS[k] * c->dS[k * np + q];
      }
    }
  }
  return 0;
}

/* the create function of every model-file type: the declaration comes from the descriptor */
static PetscErrorCode LangCreate(PnlmeModel m)
{
  const char          *type = ((PetscObject)m)->type_name;
  LangEntry           *en   = LangFind(type);
  const PnlmeLangDesc *d;
  PnlmeTransform       tr[LANG_MAX];
  PnlmeModelOps        ops = {0};
  char                 text[256];
  PetscFunctionBegin;
  PetscCheck(en && en->desc, PetscObjectComm((PetscObject)m), PETSC_ERR_PLIB, "model %s: no model file loaded under this name", type);
  d = en->desc;
  for (int k = 0; k < d->nparam; k++) tr[k] = (PnlmeTransform)d->transforms[k];
  PetscCall(PetscSNPrintf(text, sizeof(text), "%s%s(model file %s)", d->description, d->description[0] ? " " : "", en->label));
  PetscCall(PnlmeModelSetDescription(m, text));
  PetscCall(PnlmeModelSetParameters(m, d->nparam, d->pnames, tr));
  if (d->kind == PNLME_MODEL_ODE) PetscCall(PnlmeModelSetNumStates(m, d->nstate));
  for (int k = 0; k < d->ndose; k++) {
    PetscCall(PnlmeModelAddDoseCompartment(m, d->dosecmt[k], d->dosestate[k]));
    m->doselag[m->ndose - 1] = d->doselag[k]; /* a parameter of the model's own, or -1 */
    m->dosebio[m->ndose - 1] = d->dosef[k];
    m->ndoseparam += (d->doselag[k] >= 0) + (d->dosef[k] >= 0); /* predictions go through the dosed timeline */
  }
  for (int k = 0; k < d->nout; k++) PetscCall(PnlmeModelAddOutput(m, d->onames[k], d->outcmt[k]));
  if (d->kind == PNLME_MODEL_ODE) {
    ops.rhs    = d->rhs;
    ops.jac    = d->jac;
    ops.rhsp   = d->rhsp;
    ops.init   = d->init;
    ops.output  = d->output;
    ops.rhsmany  = d->rhsmany;
    ops.jacmany  = d->jacmany;
    ops.rhspmany = d->rhspmany;
    PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_ODE, &ops, NULL, NULL));
  } else {
    LangCF *c;
    PetscCall(PetscNew(&c));
    c->d    = d;
    c->np   = d->nparam;
    c->nsum = d->nsum;
    PetscCall(PetscCalloc5(PetscMax(1, d->nsum), &c->S, PetscMax(1, d->nsum * d->nparam), &c->dS, d->nparam, &c->dv, d->nparam, &c->dydp, PetscMax(1, d->nsum), &c->dydS));
    ops.predict = LangCFPredict;
    PetscCall(PnlmeModelSetOps(m, PNLME_MODEL_CLOSED_FORM, &ops, c, LangCFDestroy));
  }
  PetscFunctionReturn(0);
}

/* called by the generated PnlmeModelPluginRegister: 0, or a code that the plugin loader reports */
int PnlmeModelLangRegister(const void *vdesc, int size)
{
  const PnlmeLangDesc *d = (const PnlmeLangDesc *)vdesc;
  if (LangPending < 0) return 90;                                       /* not loaded through PnlmeLangBuild */
  if (!d || size != (int)sizeof(PnlmeLangDesc) || d->abi != PNLME_LANG_ABI) return 91; /* another pnlme's code */
  if (d->sizeof_int != (int)sizeof(PetscInt) || d->sizeof_real != (int)sizeof(PetscReal)) return 92;
  LangLoaded[LangPending].desc = d;
  if (PnlmeModelRegister(LangLoaded[LangPending].name, LangCreate)) return 93;
  return 0;
}

/* ---------------- compiling */
static const char *LangCC(void)
{
  const char *cc = getenv("PNLME_CC");
  return cc && cc[0] ? cc : "cc";
}
static const char *const LangCFlags[] = {"-std=c11", "-O2", "-ffp-contract=off", "-fno-trapping-math", "-fno-math-errno", "-fopenmp-simd", "-fPIC", "-shared"};

/* runs argv with stdout and stderr into logpath; returns the exit status, or -1 (errno kept) */
static int Run(char *const argv[], const char logpath[])
{
  posix_spawn_file_actions_t fa;
  pid_t                      pid;
  int                        st, rc;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc) {
    errno = rc;
    return -1;
  }
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* the first line of the compiler's --version (part of the cache key) */
static int CompilerVersion(const char tmpdir[], char ver[], size_t len)
{
  char  log[PETSC_MAX_PATH_LEN];
  char *argv[] = {(char *)LangCC(), (char *)"--version", NULL};
  FILE *fp;
  Fmt(log, sizeof(log), "%s/.pnlme-ccversion.%ld", tmpdir, (long)getpid());
  if (Run(argv, log) != 0) {
    unlink(log);
    return 1;
  }
  fp     = fopen(log, "r");
  ver[0] = 0;
  if (fp) {
    if (!fgets(ver, (int)len, fp)) ver[0] = 0;
    fclose(fp);
  }
  unlink(log);
  ver[strcspn(ver, "\n")] = 0;
  return ver[0] ? 0 : 1;
}

static int WriteFile(const char path[], const char text[])
{
  FILE *fp = fopen(path, "w");
  if (!fp) return 1;
  size_t n = strlen(text);
  int    bad = fwrite(text, 1, n, fp) != n;
  bad |= fclose(fp) != 0;
  return bad;
}

static double Now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* node leader: the object for this code in dir, compiled if missing.  0, or 1 with msg. */
static int EnsureObject(const char dir[], const char label[], const char src[], char sopath[], size_t solen, PetscBool *compiled, double *seconds, char msg[], size_t len)
{
  char     ver[256], key[32], cpath[PETSC_MAX_PATH_LEN], lpath[PETSC_MAX_PATH_LEN], tso[PETSC_MAX_PATH_LEN], tc[PETSC_MAX_PATH_LEN], tlog[PETSC_MAX_PATH_LEN], host[64] = "host";
  uint64_t h;
  int      fd, rc, err;
  *compiled = PETSC_FALSE;
  *seconds  = 0;
  if ((err = PnlmeMakeDirectory(dir))) {
    Fmt(msg, len, "-model_cache %s: cannot create the directory: %s", dir, strerror(err));
    return 1;
  }
  if (access(dir, W_OK | X_OK)) {
    Fmt(msg, len, "-model_cache %s: cannot write in the directory: %s", dir, strerror(errno));
    return 1;
  }
  if (CompilerVersion(dir, ver, sizeof(ver))) {
    Fmt(msg, len, "%s: cannot run the C compiler '%s' (install build-essential, or set PNLME_CC)", label, LangCC());
    return 1;
  }
  h = PnlmeHash64(ver, strlen(ver), PNLME_LANG_ABI);
  for (size_t k = 0; k < sizeof(LangCFlags) / sizeof(LangCFlags[0]); k++) h = PnlmeHash64(LangCFlags[k], strlen(LangCFlags[k]), h);
  h = PnlmeHash64(src, strlen(src), h);
  Fmt(key, sizeof(key), "%016llx", (unsigned long long)h);
  Fmt(sopath, solen, "%s/pnlme-%s.so", dir, key);
  if (!access(sopath, R_OK)) return 0;
  /* one compiler at a time for this key, across processes on this node (and nodes where flock works) */
  Fmt(lpath, sizeof(lpath), "%s/pnlme-%s.lock", dir, key);
  fd = open(lpath, O_RDWR | O_CREAT, 0644);
  if (fd >= 0)
    while (flock(fd, LOCK_EX) < 0 && errno == EINTR) { }
  if (!access(sopath, R_OK)) {
    if (fd >= 0) close(fd);
    return 0;
  }
  gethostname(host, sizeof(host) - 1);
  host[sizeof(host) - 1] = 0;
  Fmt(cpath, sizeof(cpath), "%s/pnlme-%s.c", dir, key);
  Fmt(tc, sizeof(tc), "%s/.pnlme-%s.%s.%ld.c", dir, key, host, (long)getpid());
  Fmt(tso, sizeof(tso), "%s/.pnlme-%s.%s.%ld.so", dir, key, host, (long)getpid());
  Fmt(tlog, sizeof(tlog), "%s/.pnlme-%s.%s.%ld.log", dir, key, host, (long)getpid());
  if (WriteFile(tc, src)) {
    Fmt(msg, len, "-model_cache %s: cannot write %s: %s", dir, tc, strerror(errno));
    if (fd >= 0) close(fd);
    return 1;
  }
  {
    char  *argv[16];
    int    a  = 0;
    double t0 = Now();
    argv[a++] = (char *)LangCC();
    for (size_t k = 0; k < sizeof(LangCFlags) / sizeof(LangCFlags[0]); k++) argv[a++] = (char *)LangCFlags[k];
    argv[a++] = (char *)"-o";
    argv[a++] = tso;
    argv[a++] = tc;
    argv[a++] = (char *)"-lm";
    argv[a]   = NULL;
    rc        = Run(argv, tlog);
    *seconds  = Now() - t0;
  }
  if (rc != 0) {
    char  line[256] = "";
    FILE *fp        = fopen(tlog, "r");
    if (fp) { /* the compiler's first error line */
      char l[256];
      while (fgets(l, sizeof(l), fp))
        if (strstr(l, "error")) {
          Fmt(line, sizeof(line), "%s", l);
          break;
        }
      fclose(fp);
    }
    line[strcspn(line, "\n")] = 0;
    Fmt(msg, len, "%s: the C compiler failed on the generated code (%s; kept in %s, log %s)%s%s", label, rc < 0 ? strerror(errno) : "exit status", tc, tlog, line[0] ? ": " : "", line);
    if (fd >= 0) close(fd);
    return 1;
  }
  unlink(tlog);
  rc = rename(tc, cpath) || rename(tso, sopath);
  if (fd >= 0) close(fd);
  if (rc) {
    Fmt(msg, len, "-model_cache %s: cannot rename the compiled model into place: %s", dir, strerror(errno));
    return 1;
  }
  *compiled = PETSC_TRUE;
  return 0;
}

static PetscErrorCode DefaultCacheDir(char dir[], size_t len)
{
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  PetscFunctionBegin;
  if (xdg && xdg[0] == '/') PetscCall(PetscSNPrintf(dir, len, "%s/pnlme/models", xdg));
  else if (home && home[0] == '/') PetscCall(PetscSNPrintf(dir, len, "%s/.cache/pnlme/models", home));
  else PetscCall(PetscSNPrintf(dir, len, "/tmp/pnlme-cache-%ld/models", (long)getuid()));
  PetscFunctionReturn(0);
}

/* Collective.  spec: a path, or the model text itself when it holds a line break (inline models of a
   YAML case).  On return name is the model type to select; *load is true when sopath must be loaded
   with the plugin loader (false: this code is loaded already and its type registered again). */
PetscErrorCode PnlmeLangBuild(MPI_Comm comm, const char spec[], const char cache[], char name[], size_t namelen, char sopath[], size_t solen, PetscBool *load)
{
  char              *text = NULL, *src = NULL, msg[1024], label[PETSC_MAX_PATH_LEN], dir[PETSC_MAX_PATH_LEN];
  long long          n    = 0;
  PetscMPIInt        rank, nrank;
  MPI_Comm           node;
  LangModel         *m;
  int                bad;
  uint64_t           h;
  PnlmeDeferredError derr;
  PetscBool          inl = strchr(spec, '\n') ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionBegin;
  *load = PETSC_FALSE;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* the text: read by rank 0 */
  if (inl) {
    PetscCall(PetscStrncpy(label, "<inline model>", sizeof(label)));
    PetscCall(PetscStrallocpy(spec, &text));
  } else {
    PetscCall(PetscStrncpy(label, spec, sizeof(label)));
    if (!rank) {
      FILE *fp = fopen(spec, "rb");
      if (!fp) {
        n = -1;
        PetscCall(PetscSNPrintf(msg, sizeof(msg), "-model_file %s: cannot open the file: %s", spec, strerror(errno)));
      } else {
        char buf[65536];
        size_t k;
        PetscCall(PetscMalloc1(1, &text));
        text[0] = 0;
        while ((k = fread(buf, 1, sizeof(buf), fp)) > 0) {
          char *t;
          PetscCall(PetscMalloc1((size_t)n + k + 1, &t));
          PetscCall(PetscMemcpy(t, text, (size_t)n));
          PetscCall(PetscMemcpy(t + n, buf, k));
          t[n + k] = 0;
          PetscCall(PetscFree(text));
          text = t;
          n += (long long)k;
        }
        fclose(fp);
        if (n > (1 << 24)) {
          n = -1;
          PetscCall(PetscSNPrintf(msg, sizeof(msg), "-model_file %s: larger than 16 MB: not a model file", spec));
        } else if (strlen(text) != (size_t)n) {
          n = -1;
          PetscCall(PetscSNPrintf(msg, sizeof(msg), "-model_file %s: a binary file (it holds a NUL byte), not a model file", spec));
        }
      }
    }
    PetscCallMPI(MPI_Bcast(&n, 1, MPI_LONG_LONG, 0, comm));
    if (n < 0) {
      PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, comm));
      PetscCall(PetscFree(text));
      SETERRQ(comm, PETSC_ERR_FILE_OPEN, "%s", msg);
    }
    if (rank) PetscCall(PetscMalloc1((size_t)n + 1, &text));
    PetscCallMPI(MPI_Bcast(text, (PetscMPIInt)n + 1, MPI_CHAR, 0, comm));
  }
  /* parse, check and generate: the same on every rank */
  PetscCall(PetscNew(&m));
  bad = LangParse(label, text, m, msg, sizeof(msg));
  if (!bad) bad = LangGenerate(m, &src, msg, sizeof(msg));
  LangModelFree(m);
  PetscCall(PetscFree(m));
  PetscCall(PetscFree(text));
  if (bad) SETERRQ(comm, PETSC_ERR_USER, "%s", msg);

  /* loaded already in this process: register the type again (the model list may have been reset) */
  h = PnlmeHash64(src, strlen(src), 0);
  for (int k = 0; k < LangNLoaded; k++)
    if (LangLoaded[k].hash == h && LangLoaded[k].desc && !strcmp(LangLoaded[k].label, label)) {
      free(src);
      PetscCall(PnlmeModelRegister(LangLoaded[k].name, LangCreate));
      PetscCall(PetscStrncpy(name, LangLoaded[k].name, namelen));
      PetscFunctionReturn(0);
    }

  /* one rank per node compiles (or finds the object in the cache) */
  if (cache && cache[0]) PetscCall(PetscStrncpy(dir, cache, sizeof(dir)));
  else PetscCall(DefaultCacheDir(dir, sizeof(dir)));
  PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_rank(node, &nrank));
  PnlmeDeferredErrorInit(&derr);
  {
    int       st[2] = {0, 0};
    double    sec   = 0;
    PetscBool compiled = PETSC_FALSE;
    if (!nrank) {
      st[0] = EnsureObject(dir, label, src, sopath, solen, &compiled, &sec, msg, sizeof(msg));
      st[1] = compiled;
    }
    PetscCallMPI(MPI_Bcast(st, 2, MPI_INT, 0, node));
    PetscCallMPI(MPI_Bcast(&sec, 1, MPI_DOUBLE, 0, node));
    PetscCallMPI(MPI_Bcast(sopath, (PetscMPIInt)solen, MPI_CHAR, 0, node));
    if (st[0]) {
      PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, node));
      PnlmeDeferredErrorSet(&derr, rank, "%s", msg);
    }
    LangLast.compiled = st[1] ? PETSC_TRUE : PETSC_FALSE;
    LangLast.seconds  = sec;
  }
  PetscCallMPI(MPI_Comm_free(&node));
  free(src);
  PetscCall(PnlmeDeferredErrorRaise(comm, &derr));
  PetscCall(PetscStrncpy(LangLast.sopath, sopath, sizeof(LangLast.sopath)));

  /* the type name: the file's name (or "inline"), made unique among the model files of this process */
  {
    const char *base = inl ? "inline" : (strrchr(spec, '/') ? strrchr(spec, '/') + 1 : spec);
    char        cand[PNLME_MAX_NAME];
    PetscCheck(LangNLoaded < LANG_MAX_LOADED, comm, PETSC_ERR_USER, "%s: more than %d model files in one run", label, LANG_MAX_LOADED);
    PetscCall(PetscStrncpy(cand, base, sizeof(cand)));
    for (int v = 2; LangFind(cand); v++) PetscCall(PetscSNPrintf(cand, sizeof(cand), "%.50s~%d", base, v));
    LangPending = LangNLoaded++;
    PetscCall(PetscStrncpy(LangLoaded[LangPending].name, cand, sizeof(LangLoaded[LangPending].name)));
    PetscCall(PetscStrncpy(LangLoaded[LangPending].label, label, sizeof(LangLoaded[LangPending].label)));
    LangLoaded[LangPending].hash = h;
    LangLoaded[LangPending].desc = NULL;
    PetscCall(PetscStrncpy(name, cand, namelen));
  }
  *load = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* after the plugin loader: the pending entry must have been filled */
PetscErrorCode PnlmeLangBuildEnd(MPI_Comm comm, const char name[])
{
  LangEntry *en = LangFind(name);
  PetscFunctionBegin;
  LangPending = -1;
  PetscCheck(en && en->desc, comm, PETSC_ERR_PLIB, "model file %s: the compiled model did not register", name);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeModelFileGetInfo(const char **sopath, PetscBool *compiled, PetscReal *seconds)
{
  PetscFunctionBegin;
  if (sopath) *sopath = LangLast.sopath;
  if (compiled) *compiled = LangLast.compiled;
  if (seconds) *seconds = (PetscReal)LangLast.seconds;
  PetscFunctionReturn(0);
}
