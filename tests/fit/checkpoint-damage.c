/* Damages a copy of a checkpoint the way storage or a careless edit would (tests/fit/test-checkpoint-integrity.sh):
     checkpoint-damage IN OUT scale DSET K FACTOR     double K of DSET's raw bytes multiplied by FACTOR
     checkpoint-damage IN OUT flip DSET BYTE BIT      bit BIT of byte BYTE of DSET's raw bytes flipped
     checkpoint-damage IN OUT zero DSET NBYTES        the first NBYTES raw bytes of DSET zeroed (at most all of them)
     checkpoint-damage IN OUT nan DSET K              double K of DSET set to NaN, and DSET's checksum recomputed
     checkpoint-damage IN OUT attr GROUP NAME VALUE [reseal]  a scalar attribute set to VALUE (nan allowed),
                                                      with GROUP's checksum recomputed if "reseal"
     checkpoint-damage IN OUT add DSET                a new dataset (with a valid checksum)
     checkpoint-damage hash                           PnlmeHash64 against published XXH64 values
   Raw bytes are changed in the file itself (offsets from H5Dget_offset: contiguous datasets), as a
   storage fault would; "nan", "attr ... reseal" and "add" recompute the checksums as docs/results-schema.md
   describes them, independently of src/fit/io/checkpoint.c, to reach the checks behind the checksums.
   Serial HDF5 calls, no MPI.  Exit status 0 on success, 1 on failure. */
#include <pnlmesys.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void Die(const char *what, const char *name)
{
  fprintf(stderr, "checkpoint-damage: %s %s\n", what, name ? name : "");
  exit(1);
}

static void Copy(const char *in, const char *out)
{
  FILE  *fi = fopen(in, "rb"), *fo = fopen(out, "wb");
  char   buf[65536];
  size_t n;
  if (!fi || !fo) Die("cannot copy", in);
  while ((n = fread(buf, 1, sizeof(buf), fi)) > 0)
    if (fwrite(buf, 1, n, fo) != n) Die("cannot write", out);
  fclose(fi);
  if (fclose(fo)) Die("cannot write", out);
}

/* the file offset and size of a contiguous dataset's raw data */
static void RawExtent(const char *path, const char *dset, long *off, long *size)
{
  hid_t   f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d;
  haddr_t a;
  if (f < 0) Die("cannot open", path);
  if ((d = H5Dopen2(f, dset, H5P_DEFAULT)) < 0) Die("no dataset", dset);
  a = H5Dget_offset(d);
  if (a == HADDR_UNDEF) Die("not a contiguous dataset:", dset);
  *off  = (long)a;
  *size = (long)H5Dget_storage_size(d);
  H5Dclose(d);
  H5Fclose(f);
}

static void Patch(const char *path, long off, const void *bytes, size_t n)
{
  FILE *fp = fopen(path, "r+b");
  if (!fp || fseek(fp, off, SEEK_SET) || fwrite(bytes, 1, n, fp) != n || fclose(fp)) Die("cannot patch", path);
}

static void Peek(const char *path, long off, void *bytes, size_t n)
{
  FILE *fp = fopen(path, "rb");
  if (!fp || fseek(fp, off, SEEK_SET) || fread(bytes, 1, n, fp) != n) Die("cannot read", path);
  fclose(fp);
}

/* little-endian doubles (the checkpoints' f64) */
static double GetLE(const unsigned char *b)
{
  uint64_t u = 0;
  double   x;
  for (int k = 7; k >= 0; k--) u = (u << 8) | b[k];
  memcpy(&x, &u, 8);
  return x;
}

static void PutLE(unsigned char *b, double x)
{
  uint64_t u;
  memcpy(&u, &x, 8);
  for (int k = 0; k < 8; k++) b[k] = (unsigned char)(u >> (8 * k));
}

static void SetChecksum(hid_t obj, uint64_t sum)
{
  hid_t a, s = H5Screate(H5S_SCALAR);
  if (H5Aexists(obj, "checksum") > 0) a = H5Aopen(obj, "checksum", H5P_DEFAULT);
  else a = H5Acreate2(obj, "checksum", H5T_STD_U64LE, s, H5P_DEFAULT, H5P_DEFAULT);
  if (a < 0 || H5Awrite(a, H5T_NATIVE_UINT64, &sum) < 0) Die("cannot write a checksum", NULL);
  H5Aclose(a);
  H5Sclose(s);
}

/* docs/results-schema.md: XOR over rows r of XXH64(row r as stored, seed r) */
static uint64_t DatasetChecksum(hid_t d)
{
  hid_t         t = H5Dget_type(d), s = H5Dget_space(d);
  hsize_t       dims[8];
  int           nd = H5Sget_simple_extent_ndims(s);
  size_t        n  = (size_t)H5Sget_simple_extent_npoints(s), es = H5Tget_size(t), row;
  unsigned char *buf;
  uint64_t      sum = 0;
  H5Sget_simple_extent_dims(s, dims, NULL);
  buf = (unsigned char *)calloc(n * es + 1, 1);
  if (H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) Die("cannot read a dataset", NULL);
  row = nd > 0 && dims[0] ? n * es / dims[0] : 0;
  for (hsize_t r = 0; nd > 0 && r < dims[0]; r++) sum ^= PnlmeHash64(buf + r * row, row, r);
  free(buf);
  H5Tclose(t);
  H5Sclose(s);
  return sum;
}

/* XOR over the attributes but "checksum" of XXH64(stored bytes, seed XXH64(name, 0)) */
static herr_t AttrOne(hid_t obj, const char *name, const H5A_info_t *info, void *ctx)
{
  hid_t  a = H5Aopen(obj, name, H5P_DEFAULT), t = H5Aget_type(a), s = H5Aget_space(a);
  size_t n = (size_t)H5Sget_simple_extent_npoints(s) * H5Tget_size(t);
  char  *buf = (char *)calloc(n + 1, 1);
  (void)info;
  if (strcmp(name, "checksum")) {
    if (H5Aread(a, t, buf) < 0) Die("cannot read attribute", name);
    *(uint64_t *)ctx ^= PnlmeHash64(buf, n, PnlmeHash64(name, strlen(name), 0));
  }
  free(buf);
  H5Sclose(s);
  H5Tclose(t);
  H5Aclose(a);
  return 0;
}

static void Reseal(hid_t obj)
{
  uint64_t sum = 0;
  hsize_t  idx = 0;
  if (H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, AttrOne, &sum) < 0) Die("cannot read the attributes", NULL);
  SetChecksum(obj, sum);
}

static int HashSelfTest(void)
{
  const char *s = "Nobody inspects the spammish repetition";
  struct {
    const char *in;
    size_t      len;
    uint64_t    seed, want;
  } v[] = {
    {"",  0,         0, 0xef46db3751d8e999ULL},
    {"a", 1,         0, 0xd24ec4f1a98c6e5bULL},
    {"abc", 3,       0, 0x44bc2cf5ad770999ULL},
    {s,   strlen(s), 0, 0xfbcea83c8a378bf1ULL},
  };
  int bad = 0;
  for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
    uint64_t got = PnlmeHash64(v[k].in, v[k].len, v[k].seed);
    if (got != v[k].want) {
      fprintf(stderr, "PnlmeHash64(\"%s\") = %016llx, XXH64 = %016llx\n", v[k].in, (unsigned long long)got, (unsigned long long)v[k].want);
      bad = 1;
    }
  }
  if (!bad) printf("PnlmeHash64 = XXH64 on %zu published values\n", sizeof(v) / sizeof(v[0]));
  return bad;
}

int main(int argc, char **argv)
{
  const char *in, *out, *act, *obj;
  long        off, size;
  if (argc == 2 && !strcmp(argv[1], "hash")) return HashSelfTest();
  if (argc < 5) Die("usage: checkpoint-damage IN OUT ACTION OBJECT [ARGS] (see the source)", NULL);
  in  = argv[1];
  out = argv[2];
  act = argv[3];
  obj = argv[4];
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  Copy(in, out);
  if (!strcmp(act, "scale") || !strcmp(act, "nan")) {
    unsigned char b[8];
    long          k = argc > 5 ? atol(argv[5]) : 0;
    RawExtent(out, obj, &off, &size);
    if (8 * (k + 1) > size) Die("element out of range in", obj);
    Peek(out, off + 8 * k, b, 8);
    PutLE(b, !strcmp(act, "nan") ? NAN : GetLE(b) * (argc > 6 ? atof(argv[6]) : 1.5));
    Patch(out, off + 8 * k, b, 8);
    if (!strcmp(act, "nan")) {
      hid_t f = H5Fopen(out, H5F_ACC_RDWR, H5P_DEFAULT), d = H5Dopen2(f, obj, H5P_DEFAULT);
      if (d < 0) Die("cannot open", obj);
      SetChecksum(d, DatasetChecksum(d));
      H5Dclose(d);
      H5Fclose(f);
    }
  } else if (!strcmp(act, "flip") && argc > 6) {
    unsigned char c;
    long          byte = atol(argv[5]);
    RawExtent(out, obj, &off, &size);
    if (byte >= size) Die("byte out of range in", obj);
    Peek(out, off + byte, &c, 1);
    c ^= (unsigned char)(1u << atoi(argv[6]));
    Patch(out, off + byte, &c, 1);
  } else if (!strcmp(act, "zero") && argc > 5) {
    long  n = atol(argv[5]);
    char *z;
    RawExtent(out, obj, &off, &size);
    if (n > size) n = size;
    z = (char *)calloc((size_t)n + 1, 1);
    Patch(out, off, z, (size_t)n);
    free(z);
  } else if (!strcmp(act, "attr") && argc > 6) {
    hid_t f = H5Fopen(out, H5F_ACC_RDWR, H5P_DEFAULT), g, a, t;
    if (f < 0 || (g = H5Oopen(f, obj, H5P_DEFAULT)) < 0) Die("cannot open", obj);
    if ((a = H5Aopen(g, argv[5], H5P_DEFAULT)) < 0) Die("no attribute", argv[5]);
    t = H5Aget_type(a);
    if (H5Tget_class(t) == H5T_INTEGER) {
      int64_t v = atoll(argv[6]);
      if (H5Awrite(a, H5T_NATIVE_INT64, &v) < 0) Die("cannot write", argv[5]);
    } else {
      double v = strtod(argv[6], NULL);
      if (H5Awrite(a, H5T_NATIVE_DOUBLE, &v) < 0) Die("cannot write", argv[5]);
    }
    H5Tclose(t);
    H5Aclose(a);
    if (argc > 7 && !strcmp(argv[7], "reseal")) Reseal(g);
    H5Oclose(g);
    H5Fclose(f);
  } else if (!strcmp(act, "add")) {
    hid_t   f = H5Fopen(out, H5F_ACC_RDWR, H5P_DEFAULT), s, d;
    hsize_t n = 3;
    double  x[3] = {1, 2, 3};
    s            = H5Screate_simple(1, &n, NULL);
    if (f < 0 || (d = H5Dcreate2(f, obj, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0) Die("cannot create", obj);
    if (H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) < 0) Die("cannot write", obj);
    SetChecksum(d, DatasetChecksum(d));
    H5Dclose(d);
    H5Sclose(s);
    H5Fclose(f);
  } else Die("unknown action or missing arguments:", act);
  return 0;
}
