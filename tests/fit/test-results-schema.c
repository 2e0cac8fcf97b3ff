/* Checks results.h5 of a fit against docs/results-schema.md and against the CSV files next to it:
     test-results-schema -dir DIR [-n_ranks P] [-compare DIR2]
   -dir DIR       the -output_dir of a fit (results.h5, estimates.csv, likelihood.csv, individuals.csv)
   -n_ranks P     the number of ranks the fit ran on (attribute n_ranks)
   -compare DIR2  another fit of the same case: per-subject, per-observation, history and estimate
                  datasets must be bitwise identical
   Runs on one rank, with the serial HDF5 interface. */
#include <pnlmetest.h>
#include <hdf5.h>
#include <string.h>

#define H5TEST_CHECK(expr, ...) PetscCheck((expr) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, __VA_ARGS__)

/* an attribute of the root group: its class and, for scalars, its value */
static PetscErrorCode CheckAttr(hid_t f, const char name[], H5T_class_t cls, char sval[], size_t len, int64_t *ival, double *rval)
{
  hid_t a, t, s;
  PetscFunctionBegin;
  PNLME_TEST_CHECK(H5Aexists(f, name) > 0, "results.h5: no attribute /%s", name);
  a = H5Aopen(f, name, H5P_DEFAULT);
  t = H5Aget_type(a);
  s = H5Aget_space(a);
  PNLME_TEST_CHECK(H5Tget_class(t) == cls, "results.h5: attribute /%s has type class %d, expected %d", name, (int)H5Tget_class(t), (int)cls);
  PNLME_TEST_CHECK(H5Sget_simple_extent_type(s) == H5S_SCALAR, "results.h5: attribute /%s is not a scalar", name);
  if (cls == H5T_STRING) {
    size_t n = H5Tget_size(t);
    char  *buf;
    PNLME_TEST_CHECK(!H5Tis_variable_str(t), "attribute /%s: variable-length string, expected fixed", name);
    PetscCall(PetscCalloc1(n + 1, &buf));
    H5TEST_CHECK(H5Aread(a, t, buf), "cannot read /%s", name);
    if (sval) PetscCall(PetscStrncpy(sval, buf, len));
    PetscCall(PetscFree(buf));
  } else if (cls == H5T_INTEGER) {
    PNLME_TEST_CHECK(H5Tget_size(t) == 8, "attribute /%s is not a 64-bit integer", name);
    H5TEST_CHECK(H5Aread(a, H5T_NATIVE_INT64, ival), "cannot read /%s", name);
  } else {
    PNLME_TEST_CHECK(H5Tget_size(t) == 8, "attribute /%s is not a double", name);
    H5TEST_CHECK(H5Aread(a, H5T_NATIVE_DOUBLE, rval), "cannot read /%s", name);
  }
  H5Sclose(s);
  H5Tclose(t);
  H5Aclose(a);
  PetscFunctionReturn(0);
}

/* a dataset's class, element size, rank and dims; returns its contents (doubles, int64, int32 or
   strings of fixed length *slen) in a new buffer */
static PetscErrorCode ReadDataset(hid_t f, const char name[], H5T_class_t cls, size_t size, int ndims, const hsize_t dims[], void **data, size_t *slen)
{
  hid_t   d, t, s, mt;
  hsize_t dd[8], n = 1;
  PetscFunctionBegin;
  PNLME_TEST_CHECK(H5Lexists(f, name, H5P_DEFAULT) > 0, "results.h5: no dataset %s", name);
  d = H5Dopen2(f, name, H5P_DEFAULT);
  t = H5Dget_type(d);
  s = H5Dget_space(d);
  PNLME_TEST_CHECK(H5Tget_class(t) == cls, "results.h5: %s has type class %d, expected %d", name, (int)H5Tget_class(t), (int)cls);
  if (cls != H5T_STRING) PNLME_TEST_CHECK(H5Tget_size(t) == size, "results.h5: %s has elements of %zu bytes, expected %zu", name, H5Tget_size(t), size);
  else PNLME_TEST_CHECK(!H5Tis_variable_str(t) && H5Tget_strpad(t) == H5T_STR_NULLTERM, "results.h5: %s: expected fixed-length NUL-terminated strings", name);
  PNLME_TEST_CHECK(H5Sget_simple_extent_ndims(s) == ndims, "results.h5: %s has %d dimensions, expected %d", name, H5Sget_simple_extent_ndims(s), ndims);
  H5Sget_simple_extent_dims(s, dd, NULL);
  for (int k = 0; k < ndims; k++) {
    PNLME_TEST_CHECK(dd[k] == dims[k], "results.h5: %s dimension %d is %llu, expected %llu", name, k, (unsigned long long)dd[k], (unsigned long long)dims[k]);
    n *= dd[k];
  }
  if (cls == H5T_STRING) {
    *slen = H5Tget_size(t);
    mt    = H5Tcopy(t);
    size  = *slen;
  } else if (cls == H5T_FLOAT) mt = H5Tcopy(H5T_NATIVE_DOUBLE);
  else mt = H5Tcopy(size == 8 ? H5T_NATIVE_INT64 : H5T_NATIVE_INT32);
  PetscCall(PetscCalloc1(n * size + 1, (char **)data));
  if (n) H5TEST_CHECK(H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data), "cannot read %s", name);
  H5Tclose(mt);
  H5Sclose(s);
  H5Tclose(t);
  H5Dclose(d);
  PetscFunctionReturn(0);
}

/* |a - b| within the precision of %.<digits>g printing */
static PetscBool Close(double a, double b, double rtol, double atol)
{
  if (PetscIsNanReal(a) || PetscIsNanReal(b)) return (PetscBool)(PetscIsNanReal(a) && PetscIsNanReal(b));
  return (PetscBool)(fabs(a - b) <= rtol * fabs(b) + atol);
}

/* the next comma-separated field of a CSV line (empty fields allowed) */
static char *Field(char **save)
{
  char *s = *save, *c;
  if (!s) return NULL;
  c = strchr(s, ',');
  if (c) {
    *c    = 0;
    *save = c + 1;
  } else {
    char *nl = strchr(s, '\n');
    if (nl) *nl = 0;
    *save = NULL;
  }
  return s;
}

static PetscErrorCode Run(void)
{
  char        dir[PETSC_MAX_PATH_LEN] = "", cmp[PETSC_MAX_PATH_LEN] = "", path[PETSC_MAX_PATH_LEN + 32], sval[4096], line[1 << 14];
  PetscInt    nranks = -1;
  int64_t     ival, N, Ntot, niter, nchain;
  double      rval;
  hid_t       f;
  FILE       *fp;
  hsize_t     dims[2];
  size_t      slen, plen;
  char       *names, *pnames, *methods, *status;
  double     *est, *se, *rse, *hist, *mean, *sd, *map, *col[5];
  int64_t    *id, *oid;
  double     *obs[6];
  int32_t    *out;
  int         nt = 0, p = 0, nm;
  const char *oname[6] = {"TIME", "DV", "PRED", "IPRED", "IWRES", NULL};
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", dir, sizeof(dir), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-compare", cmp, sizeof(cmp), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n_ranks", &nranks, NULL));
  PNLME_TEST_CHECK(dir[0], "-dir DIR is required");
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/results.h5", dir));
  f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  H5TEST_CHECK(f, "cannot open %s", path);

  /* root attributes */
  PetscCall(CheckAttr(f, "format", H5T_STRING, sval, sizeof(sval), NULL, NULL));
  PNLME_TEST_CHECK(!strcmp(sval, "pnlme-results"), "format is '%s'", sval);
  PetscCall(CheckAttr(f, "format_version", H5T_INTEGER, NULL, 0, &ival, NULL));
  PNLME_TEST_CHECK(ival == 2, "format_version %lld", (long long)ival);
  PetscCall(CheckAttr(f, "pnlme_version", H5T_STRING, sval, sizeof(sval), NULL, NULL));
  PNLME_TEST_CHECK(!strcmp(sval, PNLME_VERSION), "pnlme_version is '%s'", sval);
  PetscCall(CheckAttr(f, "model", H5T_STRING, sval, sizeof(sval), NULL, NULL));
  PNLME_TEST_CHECK(sval[0], "empty model name");
  PetscCall(CheckAttr(f, "integrator", H5T_STRING, NULL, 0, NULL, NULL));
  PetscCall(CheckAttr(f, "error_model", H5T_STRING, sval, sizeof(sval), NULL, NULL));
  PetscCall(CheckAttr(f, "omega_structure", H5T_STRING, sval, sizeof(sval), NULL, NULL));
  PNLME_TEST_CHECK(!strcmp(sval, "diagonal") || !strcmp(sval, "full"), "omega_structure is '%s'", sval);
  PetscCall(CheckAttr(f, "options", H5T_STRING, sval, sizeof(sval), NULL, NULL));
  PNLME_TEST_CHECK(strstr(sval, "-output_dir"), "options '%s' lack -output_dir", sval);
  PetscCall(CheckAttr(f, "restarted_from", H5T_STRING, NULL, 0, NULL, NULL));
  PetscCall(CheckAttr(f, "seed", H5T_INTEGER, NULL, 0, &ival, NULL));
  PetscCall(CheckAttr(f, "n_ranks", H5T_INTEGER, NULL, 0, &ival, NULL));
  PNLME_TEST_CHECK(nranks < 0 || ival == nranks, "n_ranks is %lld, expected %d", (long long)ival, (int)nranks);
  PetscCall(CheckAttr(f, "n_subjects", H5T_INTEGER, NULL, 0, &N, NULL));
  PetscCall(CheckAttr(f, "n_observations", H5T_INTEGER, NULL, 0, &Ntot, NULL));
  PetscCall(CheckAttr(f, "n_chains", H5T_INTEGER, NULL, 0, &nchain, NULL));
  PetscCall(CheckAttr(f, "k1", H5T_INTEGER, NULL, 0, &ival, NULL));
  PetscCall(CheckAttr(f, "k2", H5T_INTEGER, NULL, 0, &ival, NULL));
  PetscCall(CheckAttr(f, "n_iterations", H5T_INTEGER, NULL, 0, &niter, NULL));
  PetscCall(CheckAttr(f, "n_map_failed", H5T_INTEGER, NULL, 0, &ival, NULL));
  PetscCall(CheckAttr(f, "n_evaluations", H5T_INTEGER, NULL, 0, &ival, NULL));
  PNLME_TEST_CHECK(ival > 0, "n_evaluations %lld", (long long)ival);
  PetscCall(CheckAttr(f, "n_failed_evaluations", H5T_INTEGER, NULL, 0, &ival, NULL));
  {
    int64_t nev, nrej;
    PetscCall(CheckAttr(f, "n_evaluations", H5T_INTEGER, NULL, 0, &nev, NULL));
    PetscCall(CheckAttr(f, "n_rejected_early", H5T_INTEGER, NULL, 0, &nrej, NULL));
    PNLME_TEST_CHECK(nrej >= 0 && nrej <= nev, "n_rejected_early %lld of %lld evaluations", (long long)nrej, (long long)nev);
  }
  PetscCall(CheckAttr(f, "saem_time", H5T_FLOAT, NULL, 0, NULL, &rval));
  PetscCall(CheckAttr(f, "wall_time", H5T_FLOAT, NULL, 0, NULL, &rval));
  PNLME_TEST_CHECK(rval > 0 && rval < 1e6, "wall_time %g", rval);
  PNLME_TEST_CHECK(N > 0 && Ntot >= N && niter > 0 && nchain > 0, "counts N %lld Ntot %lld niter %lld", (long long)N, (long long)Ntot, (long long)niter);

  /* estimates against estimates.csv */
  {
    hid_t d = H5Dopen2(f, "/estimates/parameter", H5P_DEFAULT), s = H5Dget_space(d);
    H5TEST_CHECK(d, "no /estimates/parameter");
    H5Sget_simple_extent_dims(s, dims, NULL);
    nt = (int)dims[0];
    H5Sclose(s);
    H5Dclose(d);
  }
  dims[0] = (hsize_t)nt;
  PetscCall(ReadDataset(f, "/estimates/parameter", H5T_STRING, 0, 1, dims, (void **)&names, &plen));
  PetscCall(ReadDataset(f, "/estimates/estimate", H5T_FLOAT, 8, 1, dims, (void **)&est, NULL));
  PetscCall(ReadDataset(f, "/estimates/se", H5T_FLOAT, 8, 1, dims, (void **)&se, NULL));
  PetscCall(ReadDataset(f, "/estimates/rse_percent", H5T_FLOAT, 8, 1, dims, (void **)&rse, NULL));
  PetscCall(ReadDataset(f, "/estimates/status", H5T_STRING, 0, 1, dims, (void **)&status, &slen));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/estimates.csv", dir));
  fp = fopen(path, "r");
  PNLME_TEST_CHECK(fp, "cannot open %s", path);
  PNLME_TEST_CHECK(fgets(line, sizeof(line), fp) && !strcmp(line, "parameter,estimate,se,rse_percent,status\n"), "estimates.csv header");
  for (int c = 0; c < nt; c++) {
    char *save = line, *nm_, *e, *s_, *r, *st;
    PNLME_TEST_CHECK(fgets(line, sizeof(line), fp), "estimates.csv has fewer rows (%d) than results.h5 (%d)", c, nt);
    line[strcspn(line, "\n")] = 0;
    nm_ = Field(&save);
    e   = Field(&save);
    s_  = Field(&save);
    r   = Field(&save);
    st  = Field(&save);
    PNLME_TEST_CHECK(nm_ && e && s_ && r && st, "estimates.csv row %d", c + 2);
    PNLME_TEST_CHECK(!strcmp(st, status + c * slen), "%s: status %s in estimates.csv, %s in results.h5", nm_, st, status + c * slen);
    PNLME_TEST_CHECK(!strcmp(st, s_[0] ? "estimated" : st) && (s_[0] || strcmp(st, "estimated")), "%s: status %s with se '%s'", nm_, st, s_);
    PNLME_TEST_CHECK(!strcmp(nm_, names + c * plen), "estimates.csv row %d is %s, results.h5 has %s", c + 2, nm_, names + c * plen);
    PNLME_TEST_CHECK(Close(est[c], atof(e), 1e-9, 0), "%s: estimate %.17g in results.h5, %s in estimates.csv", nm_, est[c], e);
    if (s_[0]) {
      PNLME_TEST_CHECK(Close(se[c], atof(s_), 1e-5, 0), "%s: se %.17g in results.h5, %s in estimates.csv", nm_, se[c], s_);
      PNLME_TEST_CHECK(Close(rse[c], atof(r), 1e-3, 0), "%s: rse %.17g in results.h5, %s in estimates.csv", nm_, rse[c], r);
    } else PNLME_TEST_CHECK(PetscIsNanReal(se[c]) && PetscIsNanReal(rse[c]), "%s: se without a value in estimates.csv is not NaN in results.h5", nm_);
  }
  PNLME_TEST_CHECK(!fgets(line, sizeof(line), fp), "estimates.csv has more rows than results.h5");
  fclose(fp);

  /* history: same columns, last row = the estimates */
  {
    char *hn;
    size_t hl;
    dims[0] = (hsize_t)nt;
    PetscCall(ReadDataset(f, "/history/parameter", H5T_STRING, 0, 1, dims, (void **)&hn, &hl));
    for (int c = 0; c < nt; c++) PNLME_TEST_CHECK(!strcmp(hn + c * hl, names + c * plen), "history column %d is %s, estimate %s", c, hn + c * hl, names + c * plen);
    PetscCall(PetscFree(hn));
    dims[0] = (hsize_t)niter;
    dims[1] = (hsize_t)nt;
    PetscCall(ReadDataset(f, "/history/values", H5T_FLOAT, 8, 2, dims, (void **)&hist, NULL));
    for (int c = 0; c < nt; c++) PNLME_TEST_CHECK(hist[(niter - 1) * nt + c] == est[c], "history's last row differs from the estimates in column %d", c);
  }

  /* likelihood against likelihood.csv */
  {
    hid_t d = H5Dopen2(f, "/likelihood/method", H5P_DEFAULT), s = H5Dget_space(d);
    const char *cn[5] = {"/likelihood/minus2ll", "/likelihood/aic", "/likelihood/bic", "/likelihood/bicc", "/likelihood/mc_se"};
    size_t      ml;
    H5TEST_CHECK(d, "no /likelihood/method");
    H5Sget_simple_extent_dims(s, dims, NULL);
    nm = (int)dims[0];
    H5Sclose(s);
    H5Dclose(d);
    PetscCall(ReadDataset(f, "/likelihood/method", H5T_STRING, 0, 1, dims, (void **)&methods, &ml));
    for (int c = 0; c < 5; c++) PetscCall(ReadDataset(f, cn[c], H5T_FLOAT, 8, 1, dims, (void **)&col[c], NULL));
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/likelihood.csv", dir));
    fp = fopen(path, "r");
    PNLME_TEST_CHECK(fp, "cannot open %s", path);
    PNLME_TEST_CHECK(fgets(line, sizeof(line), fp) && !strcmp(line, "method,minus2ll,aic,bic,bicc,mc_se\n"), "likelihood.csv header");
    for (int r = 0; r < nm; r++) {
      char *save = line, *fld;
      PNLME_TEST_CHECK(fgets(line, sizeof(line), fp), "likelihood.csv has fewer rows than results.h5");
      fld = Field(&save);
      PNLME_TEST_CHECK(!strcmp(fld, methods + r * ml), "likelihood row %d: %s vs %s", r, fld, methods + r * ml);
      for (int c = 0; c < 5; c++) {
        fld = Field(&save);
        PNLME_TEST_CHECK(fld, "likelihood.csv row %d: missing field %d", r + 2, c + 2);
        if (fld[0]) PNLME_TEST_CHECK(Close(col[c][r], atof(fld), 0, 1e-6), "%s %s: %.17g in results.h5, %s in likelihood.csv", methods + r * ml, cn[c], col[c][r], fld);
        else PNLME_TEST_CHECK(PetscIsNanReal(col[c][r]), "%s %s: empty in likelihood.csv, not NaN in results.h5", methods + r * ml, cn[c]);
      }
    }
    PNLME_TEST_CHECK(!fgets(line, sizeof(line), fp), "likelihood.csv has more rows than results.h5");
    fclose(fp);
    PetscCall(PetscFree(methods));
    for (int c = 0; c < 5; c++) PetscCall(PetscFree(col[c]));
  }

  /* individuals against individuals.csv */
  {
    hid_t d = H5Dopen2(f, "/individuals/parameter", H5P_DEFAULT), s = H5Dget_space(d);
    H5TEST_CHECK(d, "no /individuals/parameter");
    H5Sget_simple_extent_dims(s, dims, NULL);
    p = (int)dims[0];
    H5Sclose(s);
    H5Dclose(d);
  }
  dims[0] = (hsize_t)p;
  PetscCall(ReadDataset(f, "/individuals/parameter", H5T_STRING, 0, 1, dims, (void **)&pnames, &slen));
  dims[0] = (hsize_t)N;
  dims[1] = (hsize_t)p;
  PetscCall(ReadDataset(f, "/individuals/ID", H5T_INTEGER, 8, 1, dims, (void **)&id, NULL));
  PetscCall(ReadDataset(f, "/individuals/mean", H5T_FLOAT, 8, 2, dims, (void **)&mean, NULL));
  PetscCall(ReadDataset(f, "/individuals/sd", H5T_FLOAT, 8, 2, dims, (void **)&sd, NULL));
  PetscCall(ReadDataset(f, "/individuals/map", H5T_FLOAT, 8, 2, dims, (void **)&map, NULL));
  PetscCall(PetscSNPrintf(path, sizeof(path), "%s/individuals.csv", dir));
  fp = fopen(path, "r");
  PNLME_TEST_CHECK(fp, "cannot open %s", path);
  {
    char  want[1 << 14] = "ID", *save = line;
    size_t n = 2;
    for (int k = 0; k < p; k++) {
      const char *pn = pnames + k * slen;
      PetscCall(PetscSNPrintf(want + n, sizeof(want) - n, ",%s_mean,%s_sd,%s_map", pn, pn, pn));
      PetscCall(PetscStrlen(want, &n));
    }
    PNLME_TEST_CHECK(fgets(line, sizeof(line), fp), "individuals.csv is empty");
    (void)save;
    line[strcspn(line, "\n")] = 0;
    PNLME_TEST_CHECK(!strcmp(line, want), "individuals.csv header '%s', expected '%s'", line, want);
  }
  for (int64_t i = 0; i < N; i++) {
    char *save = line, *fld;
    PNLME_TEST_CHECK(fgets(line, sizeof(line), fp), "individuals.csv has %lld rows, expected %lld", (long long)i, (long long)N);
    fld = Field(&save);
    PNLME_TEST_CHECK(atoll(fld) == id[i], "individuals.csv row %lld: ID %s, results.h5 %lld", (long long)i + 2, fld, (long long)id[i]);
    for (int k = 0; k < p; k++) {
      double v[3] = {mean[i * p + k], sd[i * p + k], map[i * p + k]};
      for (int j = 0; j < 3; j++) {
        fld = Field(&save);
        PNLME_TEST_CHECK(fld && Close(v[j], atof(fld), 1e-9, 1e-300), "individuals.csv row %lld column %d: %s, results.h5 %.17g", (long long)i + 2, 2 + 3 * k + j, fld ? fld : "(none)", v[j]);
      }
      PNLME_TEST_CHECK(sd[i * p + k] >= 0, "negative conditional SD");
    }
  }
  PNLME_TEST_CHECK(!fgets(line, sizeof(line), fp), "individuals.csv has more rows than subjects");
  fclose(fp);

  /* observations: subjects in the order of /individuals/ID, times sorted within a subject */
  dims[0] = (hsize_t)Ntot;
  PetscCall(ReadDataset(f, "/observations/ID", H5T_INTEGER, 8, 1, dims, (void **)&oid, NULL));
  for (int c = 0; oname[c]; c++) {
    char dn[64];
    PetscCall(PetscSNPrintf(dn, sizeof(dn), "/observations/%s", oname[c]));
    PetscCall(ReadDataset(f, dn, H5T_FLOAT, 8, 1, dims, (void **)&obs[c], NULL));
  }
  PetscCall(ReadDataset(f, "/observations/OUTPUT", H5T_INTEGER, 4, 1, dims, (void **)&out, NULL));
  {
    int64_t s = 0;
    for (int64_t j = 0; j < Ntot; j++) {
      if (j > 0 && oid[j] != oid[j - 1]) s++;
      PNLME_TEST_CHECK(s < N && oid[j] == id[s], "observation %lld: ID %lld out of the subjects' order", (long long)j, (long long)oid[j]);
      if (j > 0 && oid[j] == oid[j - 1]) PNLME_TEST_CHECK(obs[0][j] >= obs[0][j - 1], "observation %lld: times not sorted", (long long)j);
      PNLME_TEST_CHECK(PetscIsNormalReal(obs[2][j]) || obs[2][j] == 0, "observation %lld: PRED %g", (long long)j, obs[2][j]);
      PNLME_TEST_CHECK(PetscIsNormalReal(obs[3][j]) || obs[3][j] == 0, "observation %lld: IPRED %g", (long long)j, obs[3][j]);
      PNLME_TEST_CHECK(out[j] >= 0, "observation %lld: OUTPUT %d", (long long)j, (int)out[j]);
    }
    PNLME_TEST_CHECK(s == N - 1, "observations cover %lld subjects, expected %lld", (long long)s + 1, (long long)N);
  }
  /* IWRES for constant error: (DV - IPRED) / a, with a the last estimate */
  PetscCall(CheckAttr(f, "error_model", H5T_STRING, sval, sizeof(sval), NULL, NULL));
  if (!strcmp(sval, "constant") && !strcmp(names + (nt - 1) * plen, "a"))
    for (int64_t j = 0; j < Ntot; j++) PNLME_TEST_CHECK(Close(obs[4][j], (obs[1][j] - obs[3][j]) / est[nt - 1], 1e-12, 1e-12), "observation %lld: IWRES %.17g != (DV - IPRED)/a", (long long)j, obs[4][j]);
  if (!strcmp(sval, "exponential") && !strcmp(names + (nt - 1) * plen, "a"))
    for (int64_t j = 0; j < Ntot; j++) PNLME_TEST_CHECK(Close(obs[4][j], (log(obs[1][j]) - log(obs[3][j])) / est[nt - 1], 1e-12, 1e-12), "observation %lld: IWRES %.17g != (log DV - log IPRED)/a", (long long)j, obs[4][j]);

  /* the same datasets in another run of the same case */
  if (cmp[0]) {
    const char *same[] = {"/individuals/ID", "/individuals/mean", "/individuals/sd", "/individuals/map", "/observations/ID", "/observations/TIME", "/observations/DV",
                          "/observations/PRED", "/observations/IPRED", "/observations/IWRES", "/observations/OUTPUT", "/history/values", "/estimates/estimate", "/estimates/se", "/likelihood/minus2ll", NULL};
    hid_t       g;
    PetscCall(PetscSNPrintf(path, sizeof(path), "%s/results.h5", cmp));
    g = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    H5TEST_CHECK(g, "cannot open %s", path);
    for (int k = 0; same[k]; k++) {
      hid_t   d1 = H5Dopen2(f, same[k], H5P_DEFAULT), d2 = H5Dopen2(g, same[k], H5P_DEFAULT);
      hsize_t sz1, sz2;
      char   *b1, *b2;
      H5TEST_CHECK(d2, "%s: no %s", path, same[k]);
      sz1 = H5Dget_storage_size(d1);
      sz2 = H5Dget_storage_size(d2);
      PNLME_TEST_CHECK(sz1 == sz2, "%s: %llu bytes here, %llu in %s", same[k], (unsigned long long)sz1, (unsigned long long)sz2, path);
      PetscCall(PetscMalloc2(sz1 + 1, &b1, sz2 + 1, &b2));
      {
        hid_t t1 = H5Dget_type(d1), t2 = H5Dget_type(d2);
        if (sz1) {
          H5TEST_CHECK(H5Dread(d1, t1, H5S_ALL, H5S_ALL, H5P_DEFAULT, b1), "read %s", same[k]);
          H5TEST_CHECK(H5Dread(d2, t2, H5S_ALL, H5S_ALL, H5P_DEFAULT, b2), "read %s", same[k]);
        }
        PNLME_TEST_CHECK(!memcmp(b1, b2, sz1), "%s differs between %s and %s", same[k], dir, cmp);
        H5Tclose(t1);
        H5Tclose(t2);
      }
      PetscCall(PetscFree2(b1, b2));
      H5Dclose(d1);
      H5Dclose(d2);
    }
    H5Fclose(g);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "results.h5 datasets identical in %s and %s\n", dir, cmp));
  }
  H5Fclose(f);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "results.h5 schema ok: %d estimates, %lld subjects x %d parameters, %lld observations, %lld iterations\n", nt, (long long)N, p, (long long)Ntot, (long long)niter));
  PetscCall(PetscFree(names));
  PetscCall(PetscFree(status));
  PetscCall(PetscFree(est));
  PetscCall(PetscFree(se));
  PetscCall(PetscFree(rse));
  PetscCall(PetscFree(hist));
  PetscCall(PetscFree(pnames));
  PetscCall(PetscFree(id));
  PetscCall(PetscFree(mean));
  PetscCall(PetscFree(sd));
  PetscCall(PetscFree(map));
  PetscCall(PetscFree(oid));
  PetscCall(PetscFree(out));
  for (int c = 0; oname[c]; c++) PetscCall(PetscFree(obs[c]));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv) { return PnlmeAppMain(argc, argv, "checks results.h5 against its schema and the CSV files", Run); }
