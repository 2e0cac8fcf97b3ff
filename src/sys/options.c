/* pnlme's options: every option is declared once, in its object's table (name, type, default,
   range, help), registered at PnlmeInitialize.  The tables give -help (grouped by object, without a
   model or data), the range checks with a one-line message, and the check that every option given
   is one that this run reads (a misspelling is an error naming the nearest valid name). */
#include <petsc/private/petscimpl.h>
#include <pnlmesys.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <math.h>
#include <errno.h>

typedef struct {
  const char        *group, *title;
  char               prefixes[64]; /* extra object prefixes the table is read under, comma-separated */
  PetscInt           n;
  const PnlmeOption *opts;
  PetscReal         *lo, *hi;      /* parsed ranges */
  char              *lopen, *hopen;
  char               solver[32];   /* the options prefix of a solver inside the object ("focei_tao_"), or "" */
  const char        *solverhelp;
} OptionTable;

#define MAX_TABLES 32
static OptionTable Tables[MAX_TABLES];
static PetscInt    NTables;
static PetscBool   TableRead[MAX_TABLES]; /* some option of the table was read in this run */

/* "[1, 1e6]", "(0, 1)", "[0, inf)": both ends, open or closed */
static PetscErrorCode ParseRange(const PnlmeOption *o, PetscReal *lo, PetscReal *hi, char *lopen, char *hopen)
{
  const char *r = o->range;
  char       *end;
  PetscFunctionBegin;
  *lo = PETSC_NINFINITY, *hi = PETSC_INFINITY, *lopen = *hopen = 0;
  if (!r) PetscFunctionReturn(0);
  PetscCheck(r[0] == '[' || r[0] == '(', PETSC_COMM_SELF, PETSC_ERR_PLIB, "option %s: bad range '%s'", o->name, r);
  *lopen = (char)(r[0] == '(');
  *lo    = strtod(r + 1, &end);
  PetscCheck(*end == ',', PETSC_COMM_SELF, PETSC_ERR_PLIB, "option %s: bad range '%s'", o->name, r);
  *hi = strtod(end + 1, &end);
  while (*end == ' ') end++;
  PetscCheck((*end == ']' || *end == ')') && !end[1], PETSC_COMM_SELF, PETSC_ERR_PLIB, "option %s: bad range '%s'", o->name, r);
  *hopen = (char)(*end == ')');
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeOptionsRegister(const char group[], const char title[], const char prefixes[], PetscInt n, const PnlmeOption opts[])
{
  OptionTable *t;
  PetscFunctionBegin;
  for (PetscInt i = 0; i < NTables; i++)
    if (!strcmp(Tables[i].group, group)) PetscFunctionReturn(0);
  PetscCheck(NTables < MAX_TABLES, PETSC_COMM_SELF, PETSC_ERR_PLIB, "too many option tables");
  t        = &Tables[NTables];
  t->group = group;
  t->title = title;
  t->n     = n;
  t->opts  = opts;
  PetscCall(PetscStrncpy(t->prefixes, prefixes ? prefixes : "", sizeof(t->prefixes)));
  PetscCall(PetscMalloc4(n, &t->lo, n, &t->hi, n, &t->lopen, n, &t->hopen));
  for (PetscInt i = 0; i < n; i++) {
    PetscCheck(opts[i].name && opts[i].name[0] == '-' && opts[i].help, PETSC_COMM_SELF, PETSC_ERR_PLIB, "option table %s: entry %" PetscInt_FMT " has no name or help", group, i);
    PetscCheck(opts[i].type != PNLME_OPT_ENUM || opts[i].list, PETSC_COMM_SELF, PETSC_ERR_PLIB, "option %s: an enum needs its list", opts[i].name);
    PetscCall(ParseRange(&opts[i], &t->lo[i], &t->hi[i], &t->lopen[i], &t->hopen[i]));
  }
  NTables++;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeOptionsRegisterSolver(const char group[], const char prefix[], const char help[])
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < NTables; i++)
    if (!strcmp(Tables[i].group, group)) {
      PetscCall(PetscStrncpy(Tables[i].solver, prefix, sizeof(Tables[i].solver)));
      Tables[i].solverhelp = help;
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "PnlmeOptionsRegisterSolver: no option table %s", group);
}

PetscErrorCode PnlmeOptionsFinalize(void)
{
  PetscFunctionBegin;
  for (PetscInt i = 0; i < NTables; i++) PetscCall(PetscFree4(Tables[i].lo, Tables[i].hi, Tables[i].lopen, Tables[i].hopen));
  NTables = 0;
  PetscFunctionReturn(0);
}

/* the declaration of option `name` (without an object prefix) */
static PetscErrorCode Find(const char name[], const OptionTable **tab, PetscInt *idx)
{
  PetscFunctionBegin;
  *tab = NULL;
  *idx = 0;
  for (PetscInt t = 0; t < NTables; t++)
    for (PetscInt i = 0; i < Tables[t].n; i++)
      if (!strcmp(Tables[t].opts[i].name, name)) {
        *tab         = &Tables[t];
        *idx         = i;
        TableRead[t] = PETSC_TRUE;
        PetscFunctionReturn(0);
      }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_PLIB, "option %s is read but not declared in any option table", name);
}

/* the option's text as given (with the object's prefix), or set = false */
static PetscErrorCode Raw(PetscObject obj, const char name[], char buf[], size_t len, PetscBool *set)
{
  const char *prefix = obj ? obj->prefix : NULL;
  char        full[256];
  PetscFunctionBegin;
  buf[0] = 0;
  PetscCall(PetscOptionsGetString(obj ? obj->options : NULL, prefix, name, buf, len, set));
  PetscCall(PetscSNPrintf(full, sizeof(full), "-%s%s", prefix ? prefix : "", name + 1));
  PetscCheck(!*set || strlen(buf) + 1 < len, PETSC_COMM_SELF, PETSC_ERR_USER, "option %s: value too long (at most %d characters)", full, (int)len - 2);
  PetscFunctionReturn(0);
}

static void FullName(PetscObject obj, const char name[], char full[], size_t len)
{
  const char *prefix = obj ? obj->prefix : NULL;
  snprintf(full, len, "-%s%s", prefix ? prefix : "", name + 1);
}

static PetscErrorCode CheckRange(PetscObject obj, const OptionTable *t, PetscInt i, PetscReal v, const char text[])
{
  char      full[256];
  PetscBool ok = (PetscBool)(!isnan(v) && (t->lopen[i] ? v > t->lo[i] : v >= t->lo[i]) && (t->hopen[i] ? v < t->hi[i] : v <= t->hi[i]));
  PetscFunctionBegin;
  FullName(obj, t->opts[i].name, full, sizeof(full));
  PetscCheck(ok, PETSC_COMM_SELF, PETSC_ERR_USER, "option %s %s: must be in %s", full, text, t->opts[i].range);
  PetscFunctionReturn(0);
}

/* strict decimal numbers: optional sign, digits, point, exponent; no hex, inf or nan */
static PetscBool IsDecimal(const char s[], PetscBool integer)
{
  const char *p = s;
  PetscBool   digits = PETSC_FALSE;
  if (*p == '+' || *p == '-') p++;
  while (*p >= '0' && *p <= '9') p++, digits = PETSC_TRUE;
  if (integer) return (PetscBool)(digits && !*p);
  if (*p == '.') {
    p++;
    while (*p >= '0' && *p <= '9') p++, digits = PETSC_TRUE;
  }
  if (!digits) return PETSC_FALSE;
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    if (!(*p >= '0' && *p <= '9')) return PETSC_FALSE;
    while (*p >= '0' && *p <= '9') p++;
  }
  return (PetscBool)!*p;
}

static PetscErrorCode ParseInt(const char full[], const char text[], PetscInt *v)
{
  long long x;
  char     *end;
  PetscFunctionBegin;
  errno = 0;
  x     = strtoll(text, &end, 10);
  PetscCheck(IsDecimal(text, PETSC_TRUE) && !errno && x >= PETSC_MIN_INT && x <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_USER, "option %s '%s': not an integer%s", full, text, errno == ERANGE || (IsDecimal(text, PETSC_TRUE) && (x < PETSC_MIN_INT || x > PETSC_MAX_INT)) ? " in range" : "");
  *v = (PetscInt)x;
  PetscFunctionReturn(0);
}

static PetscErrorCode ParseReal(const char full[], const char text[], PetscReal *v)
{
  char *end;
  PetscFunctionBegin;
  *v = strtod(text, &end);
  PetscCheck(IsDecimal(text, PETSC_FALSE) && isfinite(*v), PETSC_COMM_SELF, PETSC_ERR_USER, "option %s '%s': not a finite decimal number", full, text);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeOptionsGetInt(PetscObject obj, const char name[], PetscInt *v, PetscBool *set)
{
  const OptionTable *t;
  PetscInt           i, x;
  char               buf[256], full[256];
  PetscBool          flg;
  PetscFunctionBegin;
  PetscCall(Find(name, &t, &i));
  PetscCheck(t->opts[i].type == PNLME_OPT_INT, PETSC_COMM_SELF, PETSC_ERR_PLIB, "option %s is not declared as an integer", name);
  PetscCall(Raw(obj, name, buf, sizeof(buf), &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  FullName(obj, name, full, sizeof(full));
  PetscCall(ParseInt(full, buf, &x));
  PetscCall(CheckRange(obj, t, i, (PetscReal)x, buf));
  *v = x;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeOptionsGetReal(PetscObject obj, const char name[], PetscReal *v, PetscBool *set)
{
  const OptionTable *t;
  PetscInt           i;
  PetscReal          x;
  char               buf[256], full[256];
  PetscBool          flg;
  PetscFunctionBegin;
  PetscCall(Find(name, &t, &i));
  PetscCheck(t->opts[i].type == PNLME_OPT_REAL, PETSC_COMM_SELF, PETSC_ERR_PLIB, "option %s is not declared as a real", name);
  PetscCall(Raw(obj, name, buf, sizeof(buf), &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  FullName(obj, name, full, sizeof(full));
  PetscCall(ParseReal(full, buf, &x));
  PetscCall(CheckRange(obj, t, i, x, buf));
  *v = x;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeOptionsGetBool(PetscObject obj, const char name[], PetscBool *v, PetscBool *set)
{
  const OptionTable *t;
  PetscInt           i;
  char               buf[64], full[256];
  PetscBool          flg;
  PetscFunctionBegin;
  PetscCall(Find(name, &t, &i));
  PetscCheck(t->opts[i].type == PNLME_OPT_BOOL, PETSC_COMM_SELF, PETSC_ERR_PLIB, "option %s is not declared as a boolean", name);
  PetscCall(Raw(obj, name, buf, sizeof(buf), &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  FullName(obj, name, full, sizeof(full));
  if (!buf[0] || !strcasecmp(buf, "true") || !strcasecmp(buf, "yes") || !strcasecmp(buf, "on") || !strcmp(buf, "1")) *v = PETSC_TRUE;
  else if (!strcasecmp(buf, "false") || !strcasecmp(buf, "no") || !strcasecmp(buf, "off") || !strcmp(buf, "0")) *v = PETSC_FALSE;
  else SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER, "option %s '%s': not a boolean (true or false)", full, buf);
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeOptionsGetString(PetscObject obj, const char name[], char value[], size_t len, PetscBool *set)
{
  const OptionTable *t;
  PetscInt           i;
  PetscBool          flg;
  char              *buf;
  PetscFunctionBegin;
  PetscCall(Find(name, &t, &i));
  PetscCheck(t->opts[i].type == PNLME_OPT_STRING, PETSC_COMM_SELF, PETSC_ERR_PLIB, "option %s is not declared as a string", name);
  PetscCall(PetscMalloc1(len + 1, &buf));
  PetscCall(Raw(obj, name, buf, len + 1, &flg));
  if (flg) PetscCall(PetscStrncpy(value, buf, len));
  PetscCall(PetscFree(buf));
  if (set) *set = flg;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeOptionsGetEnum(PetscObject obj, const char name[], PetscInt *v, PetscBool *set)
{
  const OptionTable *t;
  PetscInt           i;
  char               buf[256], full[256], all[1024] = "";
  PetscBool          flg;
  const char *const *list;
  PetscFunctionBegin;
  PetscCall(Find(name, &t, &i));
  PetscCheck(t->opts[i].type == PNLME_OPT_ENUM, PETSC_COMM_SELF, PETSC_ERR_PLIB, "option %s is not declared as an enum", name);
  PetscCall(Raw(obj, name, buf, sizeof(buf), &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  list = t->opts[i].list;
  for (PetscInt k = 0; list[k]; k++)
    if (!strcasecmp(list[k], buf)) {
      *v = k;
      PetscFunctionReturn(0);
    }
  for (PetscInt k = 0; list[k]; k++) {
    if (k) PetscCall(PetscStrlcat(all, ", ", sizeof(all)));
    PetscCall(PetscStrlcat(all, list[k], sizeof(all)));
  }
  FullName(obj, name, full, sizeof(full));
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER, "option %s '%s': not one of %s", full, buf, all);
}

PetscErrorCode PnlmeOptionsGetIntArray(PetscObject obj, const char name[], PetscInt v[], PetscInt *n, PetscBool *set)
{
  const OptionTable *t;
  PetscInt           i, m = 0, x;
  char               buf[1024], full[256], *tok, *save = NULL;
  PetscBool          flg;
  PetscFunctionBegin;
  PetscCall(Find(name, &t, &i));
  PetscCheck(t->opts[i].type == PNLME_OPT_INTARRAY, PETSC_COMM_SELF, PETSC_ERR_PLIB, "option %s is not declared as an integer list", name);
  PetscCall(Raw(obj, name, buf, sizeof(buf), &flg));
  if (set) *set = flg;
  if (!flg) PetscFunctionReturn(0);
  FullName(obj, name, full, sizeof(full));
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    PetscCheck(m < *n, PETSC_COMM_SELF, PETSC_ERR_USER, "option %s: at most %" PetscInt_FMT " values", full, *n);
    PetscCall(ParseInt(full, tok, &x));
    PetscCall(CheckRange(obj, t, i, (PetscReal)x, tok));
    v[m++] = x;
  }
  *n = m;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ -help */
/* the items of a comma-separated list one per call (*p advances): the item's length, -1 after the last */
static PetscInt NextItem(const char **p, const char **item)
{
  const char *s = *p, *e;
  if (!s || !*s) return -1;
  e     = strchr(s, ',');
  *item = s;
  *p    = e ? e + 1 : NULL;
  return e ? (PetscInt)(e - s) : (PetscInt)strlen(s);
}

static PetscBool InList(const char list[], const char item[])
{
  PetscInt    n = (PetscInt)strlen(item), m;
  const char *it;
  for (const char *p = list; (m = NextItem(&p, &it)) >= 0;)
    if (m == n && !strncmp(it, item, (size_t)n)) return PETSC_TRUE;
  return PETSC_FALSE;
}

static const char *TypeName(const PnlmeOption *o)
{
  switch (o->type) {
  case PNLME_OPT_BOOL:
    return "bool";
  case PNLME_OPT_INT:
    return "int";
  case PNLME_OPT_REAL:
    return "real";
  case PNLME_OPT_INTARRAY:
    return "int,int,...";
  case PNLME_OPT_ENUM:
    return "choice";
  default:
    return "string";
  }
}

PetscErrorCode PnlmeOptionsView(MPI_Comm comm, const char groups[])
{
  PetscFunctionBegin;
  for (PetscInt g = 0; g < NTables; g++) {
    const OptionTable *t = &Tables[g];
    if (groups && !InList(groups, t->group)) continue;
    PetscCall(PetscPrintf(comm, "\n%s:\n", t->title));
    for (PetscInt i = 0; i < t->n; i++) {
      const PnlmeOption *o = &t->opts[i];
      char               buf[1024], line[2048];
      PetscBool          set;
      PetscCall(PetscSNPrintf(line, sizeof(line), "  %s <%s> (%s", o->name, o->def ? o->def : "", TypeName(o)));
      if (o->range) {
        PetscCall(PetscStrlcat(line, " in ", sizeof(line)));
        PetscCall(PetscStrlcat(line, o->range, sizeof(line)));
      }
      if (o->type == PNLME_OPT_ENUM) {
        PetscCall(PetscStrlcat(line, ": ", sizeof(line)));
        for (PetscInt k = 0; o->list[k]; k++) {
          if (k) PetscCall(PetscStrlcat(line, "|", sizeof(line)));
          PetscCall(PetscStrlcat(line, o->list[k], sizeof(line)));
        }
      }
      PetscCall(PetscStrlcat(line, ")", sizeof(line)));
      PetscCall(PetscOptionsGetString(NULL, NULL, o->name, buf, sizeof(buf), &set));
      if (set) {
        PetscCall(PetscStrlcat(line, " [given: ", sizeof(line)));
        PetscCall(PetscStrlcat(line, buf, sizeof(line)));
        PetscCall(PetscStrlcat(line, "]", sizeof(line)));
      }
      PetscCall(PetscPrintf(comm, "%s\n      %s\n", line, o->help));
    }
    if (t->solver[0]) PetscCall(PetscPrintf(comm, "  -%s* (PETSc)\n      %s\n", t->solver, t->solverhelp));
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ misspellings */
/* Damerau-Levenshtein (optimal string alignment) distance of two short names */
static PetscInt Distance(const char a[], const char b[])
{
  PetscInt n = (PetscInt)strlen(a), m = (PetscInt)strlen(b), d[64][64];
  if (n > 63 || m > 63) return 1000;
  for (PetscInt i = 0; i <= n; i++) d[i][0] = i;
  for (PetscInt j = 0; j <= m; j++) d[0][j] = j;
  for (PetscInt i = 1; i <= n; i++)
    for (PetscInt j = 1; j <= m; j++) {
      PetscInt c = a[i - 1] == b[j - 1] ? 0 : 1, v = PetscMin(PetscMin(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + c);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = PetscMin(v, d[i - 2][j - 2] + 1);
      d[i][j] = v;
    }
  return d[n][m];
}

/* the object prefixes table t is read under ("" first, then each of t->prefixes): f(pre) until it
   returns true */
typedef PetscBool (*PrefixVisitor)(const char pre[], const OptionTable *, void *);
static PetscBool EachPrefix(const OptionTable *t, PrefixVisitor f, void *ctx)
{
  const char *p = t->prefixes, *it;
  char        pre[64] = "";
  PetscInt    m;
  if (f(pre, t, ctx)) return PETSC_TRUE;
  while ((m = NextItem(&p, &it)) >= 0) {
    if (m >= (PetscInt)sizeof(pre)) continue;
    memcpy(pre, it, (size_t)m);
    pre[m] = 0;
    if (f(pre, t, ctx)) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

/* every declared name under every prefix its table is read with: f(name, table, its index) until it
   returns true; VisitSolvers: the same for the solvers' prefixes (index -1) */
typedef PetscBool (*NameVisitor)(const char full[], const OptionTable *, PetscInt, void *);
typedef struct {
  NameVisitor f;
  void       *ctx;
} NamesCtx;

static PetscBool NamesUnder(const char pre[], const OptionTable *t, void *vctx)
{
  NamesCtx *c = (NamesCtx *)vctx;
  for (PetscInt i = 0; i < t->n; i++) {
    char full[256];
    snprintf(full, sizeof(full), "-%s%s", pre, t->opts[i].name + 1);
    if (c->f(full, t, i, c->ctx)) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

static void VisitNames(NameVisitor f, void *ctx)
{
  NamesCtx c = {f, ctx};
  for (PetscInt g = 0; g < NTables; g++)
    if (EachPrefix(&Tables[g], NamesUnder, &c)) return;
}

typedef struct {
  const char *name;
  char        best[256];
  PetscInt    dist;
} NearestCtx;

static PetscBool NearestVisit(const char full[], const OptionTable *t, PetscInt i, void *vctx)
{
  NearestCtx *c = (NearestCtx *)vctx;
  PetscInt    d = Distance(c->name, full);
  const char *u = strchr(full + 1, '_');
  (void)t, (void)i;
  if (u && !strcmp(u + 1, c->name + 1)) d = 1; /* the name without its object's prefix: -output for -sim_output */
  if (d < c->dist) {
    c->dist = d;
    snprintf(c->best, sizeof(c->best), "%s", full);
  }
  return PETSC_FALSE;
}

/* " (did you mean -X?)" when a declared name is close, else "" */
static void Suggest(const char name[], char out[], size_t len)
{
  NearestCtx c;
  size_t     n = strlen(name);
  c.name       = name;
  c.dist       = 1000;
  c.best[0]    = 0;
  VisitNames(NearestVisit, &c);
  out[0] = 0;
  if (c.best[0] && c.dist <= (PetscInt)PetscMax(2, n / 4)) snprintf(out, len, " (did you mean %s?)", c.best);
}

typedef struct {
  const char        *name;
  const OptionTable *tab;
  PetscInt           idx;
} FindCtx;

static PetscBool FindVisit(const char full[], const OptionTable *t, PetscInt i, void *vctx)
{
  FindCtx *c = (FindCtx *)vctx;
  if (strcmp(full, c->name)) return PETSC_FALSE;
  c->tab = t;
  c->idx = i;
  return PETSC_TRUE;
}

typedef struct {
  const char *name;
  PetscBool   ours;
} PrefixCtx;

/* the name's first word ("-saem_" of "-saem_k1x") is the first word of a declared name */
static PetscBool PrefixVisit(const char full[], const OptionTable *t, PetscInt i, void *vctx)
{
  PrefixCtx  *c = (PrefixCtx *)vctx;
  const char *u = strchr(full + 1, '_');
  size_t      m = u ? (size_t)(u - full) + 1 : strlen(full);
  (void)t, (void)i;
  if (u ? !strncmp(c->name, full, m) : !strcmp(c->name, full)) c->ours = PETSC_TRUE;
  return c->ours;
}

/* ("-focei_tao_", "-subset_tao_", "-covariates_subset_tao_") */
static PetscBool SolverUnder(const char pre[], const OptionTable *t, void *vctx)
{
  NamesCtx *c = (NamesCtx *)vctx;
  char      full[128];
  snprintf(full, sizeof(full), "-%s%s", pre, t->solver);
  return c->f(full, t, -1, c->ctx);
}

static void VisitSolvers(NameVisitor f, void *ctx)
{
  NamesCtx c = {f, ctx};
  for (PetscInt g = 0; g < NTables; g++)
    if (Tables[g].solver[0] && EachPrefix(&Tables[g], SolverUnder, &c)) return;
}

typedef struct {
  const char        *name; /* "-focei_tao_type" */
  const OptionTable *tab;  /* the table whose solver prefix starts the name */
  char               best[128], list[512];
  PetscInt           dist;
} SolverCtx;

static PetscBool SolverVisit(const char full[], const OptionTable *t, PetscInt i, void *vctx)
{
  SolverCtx  *c    = (SolverCtx *)vctx;
  size_t      n    = strlen(full);
  const char *tail = strstr(c->name, "tao_");
  (void)i;
  if (!strncmp(c->name, full, n)) {
    c->tab = t;
    return PETSC_TRUE;
  }
  if (strlen(c->list) + n + 3 < sizeof(c->list)) { /* the prefixes, and the nearest to the name's own */
    if (c->list[0]) strcat(c->list, ", ");
    strcat(c->list, full);
  }
  if (tail) {
    char     head[128];
    PetscInt d;
    snprintf(head, sizeof(head), "%.*s", (int)(tail - c->name) + 4, c->name);
    d = Distance(head, full);
    if (d < c->dist) c->dist = d, snprintf(c->best, sizeof(c->best), "%s%s", full, tail + 4);
  }
  return PETSC_FALSE;
}

/* options of the solvers inside pnlme's objects (-map_tao_type ...), read when the solver is made,
   and PETSc's options read only by PetscFinalize */
static PetscBool SolverOption(const char name[])
{
  static const char *const atfinalize[] = {"options_left", "malloc_dump", "malloc_view", "malloc_view_threshold", "memory_view", "objects_dump", "log_view_memory", "options_view", NULL};
  const char              *n            = name[0] == '-' ? name + 1 : name;
  for (PetscInt i = 0; atfinalize[i]; i++)
    if (!strcmp(n, atfinalize[i])) return PETSC_TRUE;
  return (PetscBool)(strstr(name, "tao_") != NULL);
}

PetscErrorCode PnlmeOptionsCheckNames(MPI_Comm comm)
{
  PetscInt n;
  char   **names, **values;
  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt k = 0; k < n; k++) {
    char      name[256], hint[300];
    FindCtx   f = {name, NULL, 0};
    PrefixCtx pc = {name, PETSC_FALSE};
    PetscCall(PetscSNPrintf(name, sizeof(name), "-%s", names[k]));
    if (SolverOption(name)) continue;
    VisitNames(PrefixVisit, &pc);
    if (!pc.ours) continue; /* PETSc's own options, or unknown: PnlmeOptionsCheckUnused */
    VisitNames(FindVisit, &f);
    if (f.tab) continue;
    Suggest(name, hint, sizeof(hint));
    PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
    SETERRQ(comm, PETSC_ERR_USER, "unknown option %s%s", name, hint);
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscFunctionReturn(0);
}

/* Collective: the options no rank has read (rank 0's list, checked on every rank) are errors; solver
   options are skipped unless final (then they are warnings: the run is over). */
PetscErrorCode PnlmeOptionsCheckUnused(MPI_Comm comm, PetscBool final)
{
  PetscInt    n;
  char      **names, **values, list[8192] = "", owner[512] = "";
  PetscMPIInt rank, read[MAX_TABLES];
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (PetscInt t = 0; t < NTables; t++) read[t] = TableRead[t];
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, read, (PetscMPIInt)NTables, MPI_INT, MPI_LOR, comm));
  if (!rank) {
    PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
    for (PetscInt k = 0; k < n; k++) {
      if (!final && strstr(names[k], "tao_") && !owner[0]) { /* a solver's option: its object is in this run? */
        char      name[256];
        SolverCtx sc;
        PetscCall(PetscSNPrintf(name, sizeof(name), "-%s", names[k]));
        sc.name = name, sc.tab = NULL, sc.best[0] = sc.list[0] = 0, sc.dist = 1000;
        VisitSolvers(SolverVisit, &sc);
        if (sc.tab && !read[sc.tab - Tables]) PetscCall(PetscSNPrintf(owner, sizeof(owner), "option %s is not read by this run (its solver belongs to: %s)", name, sc.tab->title));
        else if (!sc.tab) PetscCall(PetscSNPrintf(owner, sizeof(owner), "option %s is not read by this run: solver options take the prefix of their solver (%s)%s%s%s", name, sc.list, sc.dist <= 2 ? " (did you mean " : "", sc.dist <= 2 ? sc.best : "", sc.dist <= 2 ? "?)" : ""));
      }
      if (SolverOption(names[k]) && (!final || strstr(names[k], "tao_") == NULL)) continue;
      if (strlen(list) + strlen(names[k]) + 2 >= sizeof(list)) break;
      PetscCall(PetscStrlcat(list, names[k], sizeof(list)));
      PetscCall(PetscStrlcat(list, " ", sizeof(list)));
    }
    PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  }
  PetscCallMPI(MPI_Bcast(list, sizeof(list), MPI_CHAR, 0, comm));
  PetscCallMPI(MPI_Bcast(owner, sizeof(owner), MPI_CHAR, 0, comm));
  PetscCheck(!owner[0], comm, PETSC_ERR_USER, "%s", owner);
  for (char *tok = list, *e; tok && *tok; tok = e ? e + 1 : NULL) {
    char        name[256], hint[300];
    PetscBool   used, any;
    FindCtx     f = {name, NULL, 0};
    PetscMPIInt u;
    e = strchr(tok, ' ');
    if (e) *e = 0;
    PetscCall(PetscSNPrintf(name, sizeof(name), "-%s", tok));
    PetscCall(PetscOptionsUsed(NULL, name, &used));
    u = used;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &u, 1, MPI_INT, MPI_LOR, comm));
    any = (PetscBool)u;
    if (any) continue;
    VisitNames(FindVisit, &f);
    if (final) {
      PetscCall(PetscPrintf(comm, "warning: option %s was not used\n", name));
      continue;
    }
    if (f.tab) SETERRQ(comm, PETSC_ERR_USER, "option %s is not read by this run (%s)", name, f.tab->title);
    Suggest(name, hint, sizeof(hint));
    SETERRQ(comm, PETSC_ERR_USER, "unknown option %s%s", name, hint);
  }
  PetscFunctionReturn(0);
}

/* TAO's options (PETSc 3.18) for the hint of PnlmeOptionsCheckSolver: the generic ones and those of the
   types pnlme uses (bntr/bnls/bqnktr, blmvm), after "<prefix>tao_" */
static const char *const TaoNames[] = {"type", "monitor", "smonitor", "cmonitor", "gmonitor", "cancelmonitors", "max_it", "max_funcs", "gatol", "grtol", "gttol", "catol", "crtol", "fmin", "steptol", "view", "converged_reason", "view_solution", "view_gradient", "view_stepdirection", "test_gradient", "test_hessian", "fd_gradient", "fd_hessian", "fd_delta", "mf_hessian", "recycle_history", "subset_type", "ls_type", "ls_monitor", "ls_view", "ls_max_funcs", "ls_ftol", "ls_gtol", "ls_rtol", "ls_stepinit", "ls_stepmin", "ls_stepmax", "bnk_ksp_type", "bnk_pc_type", "bnk_ksp_rtol", "bnk_ksp_atol", "bnk_ksp_max_it", "bnk_ksp_monitor", "bnk_init_type", "bnk_update_type", "bnk_as_type", "bnk_as_tol", "bnk_as_step", "bnk_max_cg_its", "bnk_max_radius", "bnk_min_radius", "bnk_epsilon", "blmvm_recycle", "blmvm_mat_lmvm_hist_size", "blmvm_mat_lmvm_scale_type", "bqnk_mat_lmvm_hist_size", NULL};

/* Collective (every rank made the same solver and just called its SetFromOptions): an option under the
   solver's prefix ("-focei_tao_") that it did not read is an error naming the nearest TAO option.
   Skipped: the options read as a solve ends (views, "converged_reason": left to the final check) and
   those under one of `later` (comma-separated, after the prefix: "bqnk_,bnk_" for a solver that may
   change type later). */
PetscErrorCode PnlmeOptionsCheckSolver(MPI_Comm comm, PetscObject solver, const char what[], const char later[])
{
  const char *opre;
  char        pre[256], cls[32];
  size_t      lp;
  PetscInt    n;
  char      **names, **values;
  PetscFunctionBegin;
  PetscCall(PetscObjectGetOptionsPrefix(solver, &opre));
  PetscCall(PetscStrncpy(cls, solver->class_name, sizeof(cls)));
  for (char *c = cls; *c; c++) *c = (char)tolower((unsigned char)*c);
  PetscCall(PetscSNPrintf(pre, sizeof(pre), "%s%s_", opre ? opre : "", cls));
  lp = strlen(pre);
  PetscCall(PetscOptionsLeftGet(solver->options, &n, &names, &values));
  for (PetscInt k = 0; k < n; k++) {
    const char *rest = names[k] + lp, *p = later, *it;
    PetscBool   skip = PETSC_FALSE;
    char        hint[300] = "";
    PetscInt    m;
    if (strncmp(names[k], pre, lp) || strstr(rest, "view") || strstr(rest, "converged_reason")) continue;
    while (!skip && (m = NextItem(&p, &it)) >= 0) skip = (PetscBool)(m && !strncmp(rest, it, (size_t)m));
    if (skip) continue;
    {
      PetscInt best = 1000;
      for (PetscInt i = 0; TaoNames[i]; i++) {
        PetscInt d = Distance(rest, TaoNames[i]);
        if (d < best && d <= PetscMax(2, (PetscInt)strlen(rest) / 4)) {
          best = d;
          snprintf(hint, sizeof(hint), " (did you mean -%s%s?)", pre, TaoNames[i]);
        }
      }
    }
    {
      char name[256];
      PetscCall(PetscSNPrintf(name, sizeof(name), "-%s", names[k]));
      PetscCall(PetscOptionsLeftRestore(solver->options, &n, &names, &values));
      SETERRQ(comm, PETSC_ERR_USER, "option %s is not read by %s%s", name, what, hint);
    }
  }
  PetscCall(PetscOptionsLeftRestore(solver->options, &n, &names, &values));
  PetscFunctionReturn(0);
}

/* Collective: -<prefix>tao_type, if given, is one of ok[] (NULL-terminated); else one line listing them */
PetscErrorCode PnlmeOptionsCheckTaoType(MPI_Comm comm, const char prefix[], const char *const ok[], const char what[])
{
  char      tt[64], list[512] = "";
  PetscBool set, found = PETSC_FALSE;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, prefix, "-tao_type", tt, sizeof(tt), &set));
  if (!set) PetscFunctionReturn(0);
  for (PetscInt i = 0; ok[i]; i++) {
    found = (PetscBool)(found || !strcmp(tt, ok[i]));
    PetscCall(PetscStrlcat(list, i ? ", " : "", sizeof(list)));
    PetscCall(PetscStrlcat(list, ok[i], sizeof(list)));
  }
  PetscCheck(found, comm, PETSC_ERR_USER, "option -%stao_type %s: not one of the TAO types for %s (%s)", prefix, tt, what, list);
  PetscFunctionReturn(0);
}

/* Collective: -<prefix><name> given is an error "use <use>" (another object's name for an option of ours) */
PetscErrorCode PnlmeOptionsRefuse(MPI_Comm comm, const char prefix[], const char name[], const char use[])
{
  PetscBool has;
  PetscFunctionBegin;
  PetscCall(PetscOptionsHasName(NULL, prefix, name, &has));
  PetscCheck(!has, comm, PETSC_ERR_USER, "option -%s%s: use %s", prefix ? prefix : "", name + 1, use);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ parsers */
PetscErrorCode PnlmeParseKeyValues(const char opt[], const char str[], PetscInt maxn, PetscInt *n, char keys[][64], PetscReal vals[])
{
  char buf[4096], *tok, *save = NULL;
  PetscFunctionBegin;
  *n = 0;
  PetscCheck(strlen(str) < sizeof(buf), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: value too long", opt);
  PetscCall(PetscStrncpy(buf, str, sizeof(buf)));
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '='), *end, *v;
    while (*tok == ' ') tok++;
    PetscCheck(eq, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: '%s' is not of the form name=value", opt, tok);
    PetscCheck(*n < maxn, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: more than %d entries", opt, (int)maxn);
    *eq = 0;
    for (char *t = eq - 1; t >= tok && *t == ' '; t--) *t = 0;
    PetscCheck(strlen(tok) > 0 && strlen(tok) < 64, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: bad name '%s'", opt, tok);
    for (PetscInt i = 0; i < *n; i++) PetscCheck(strcmp(keys[i], tok), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: '%s' is given twice", opt, tok);
    PetscCall(PetscStrncpy(keys[*n], tok, 64));
    for (v = eq + 1; *v == ' '; v++) {}
    for (char *t = v + strlen(v) - 1; t >= v && *t == ' '; t--) *t = 0;
    vals[*n] = strtod(v, &end);
    PetscCheck(IsDecimal(v, PETSC_FALSE) && isfinite(vals[*n]), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "option %s: value of '%s' is not a finite number: '%s'", opt, tok, v);
    (*n)++;
  }
  PetscFunctionReturn(0);
}
