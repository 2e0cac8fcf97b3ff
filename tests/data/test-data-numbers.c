/* The number parser of the CSV reader (src/data/csvparse.c, compiled into this program): strictly decimal
   (no hexadecimal, no control characters or NUL inside a field), any length with correct rounding
   (compared with the C library's strtod on the whole literal), spaces and tabs around a field ignored, and
   IDs parsed exactly (9007199254740993 is not taken for 2^53). */
#include <pnlmetest.h>
#include "data/dataimpl.h"
#include <stdlib.h>
#include <string.h>

static PnlmeField F(const char *s, size_t n)
{
  PnlmeField f;
  f.p = s;
  f.n = n;
  return f;
}

/* s parses to exactly the double strtod gives for it (or is not finite when that overflows) */
static PetscErrorCode ExpectReal(const char *s)
{
  PnlmeField     f = F(s, strlen(s));
  PetscReal      x = -1;
  PnlmeNumStatus st;
  double         ref = strtod(s, NULL);

  PetscFunctionBegin;
  st = PnlmeCSVParseReal(&f, &x);
  if (!isfinite(ref)) { /* overflow: refused as not finite */
    PNLME_TEST_CHECK(st == PNLME_NUM_NONFINITE, "'%.60s' (%d characters): status %d, expected not finite", s, (int)strlen(s), (int)st);
    PetscFunctionReturn(0);
  }
  PNLME_TEST_CHECK(st == PNLME_NUM_OK, "'%.60s' (%d characters): status %d, expected a number", s, (int)strlen(s), (int)st);
  PNLME_TEST_CHECK(x == ref && signbit(x) == signbit(ref), "'%.60s' (%d characters): %.17g, strtod gives %.17g", s, (int)strlen(s), (double)x, ref);
  PetscFunctionReturn(0);
}

static PetscErrorCode ExpectStatus(const char *s, size_t n, PnlmeNumStatus want)
{
  PnlmeField     f = F(s, n);
  PetscReal      x;
  PnlmeNumStatus st = PnlmeCSVParseReal(&f, &x);

  PetscFunctionBegin;
  PNLME_TEST_CHECK(st == want, "'%.40s': status %d, expected %d", s, (int)st, (int)want);
  PetscFunctionReturn(0);
}

static PetscErrorCode ExpectInteger(const char *s, PnlmeNumStatus want, PetscInt64 value)
{
  PnlmeField     f = F(s, strlen(s));
  PetscInt64     v = -7;
  PnlmeNumStatus st = PnlmeCSVParseInteger(&f, 9007199254740992LL, &v);

  PetscFunctionBegin;
  PNLME_TEST_CHECK(st == want, "ID '%s': status %d, expected %d", s, (int)st, (int)want);
  if (want == PNLME_NUM_OK) PNLME_TEST_CHECK(v == value, "ID '%s': %" PetscInt64_FMT ", expected %" PetscInt64_FMT, s, v, value);
  PetscFunctionReturn(0);
}

/* a decimal literal of n significant digits d...d with the decimal point after position p and exponent e */
static void Literal(char *buf, size_t size, int ndig, int point, int e, unsigned *seed)
{
  size_t k = 0;
  if (rand_r(seed) % 2) buf[k++] = '-';
  for (int i = 0; i < ndig && k + 16 < size; i++) {
    if (i == point) buf[k++] = '.';
    buf[k++] = (char)('0' + (i == 0 ? 1 + rand_r(seed) % 9 : rand_r(seed) % 10));
  }
  snprintf(buf + k, size - k, "e%d", e);
}

static PetscErrorCode Run(void)
{
  static char buf[4096];
  unsigned    seed = 12345;

  PetscFunctionBegin;
  /* plain decimals, both paths */
  const char *good[] = {"0", "-0", "1", "+5", "5.", ".5", "-2.5", "3e-2", "1E5", "1.e5", "0.1", "123456789012345678901234567890", "9007199254740993", "2.2250738585072011e-308", "4.9e-324", "1.7976931348623157e308", "0.000001234", "1e-400", "-1e-400", "  7.25\t", "\t-3 "};
  for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) PetscCall(ExpectReal(good[i]));
  /* long literals: 400 digits (the probe's 0.000...01), a 5000-digit one, and halfway cases that only the
     last of many digits decides (1 + 2^-53 is a tie: any non-zero digit after it rounds up) */
  {
    size_t k = 0;
    buf[k++] = '0';
    buf[k++] = '.';
    for (int i = 0; i < 398; i++) buf[k++] = '0';
    buf[k++] = '1';
    buf[k]   = 0;
    PetscCall(ExpectReal(buf));
    PetscCall(PetscStrcpy(buf, "1.00000000000000011102230246251565404236316680908203125"));
    PetscCall(ExpectReal(buf)); /* exactly 1 + 2^-53: ties to even, 1 */
    k = strlen(buf);
    for (int i = 0; i < 3000; i++) buf[k++] = '0';
    buf[k++] = '1';
    buf[k]   = 0;
    PetscCall(ExpectReal(buf)); /* just above the tie: 1 + 2^-52 */
    for (int trial = 0; trial < 200; trial++) {
      int ndig = 1 + rand_r(&seed) % 1200, point = rand_r(&seed) % (ndig + 1), e = (int)(rand_r(&seed) % 700) - 350;
      Literal(buf, sizeof(buf), ndig, point, e, &seed);
      PetscCall(ExpectReal(buf));
    }
  }
  /* not decimal numbers: hexadecimal, control characters, NUL, junk */
  const char *bad[] = {"0x1A", "0x1p-2", "-0X10", "1e", "e5", ".", "+", "-.", "1..2", "1e+", "12abc", "1,5", "inf5", "\v5", "5\f", "1 2", "0x"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    if (!strcmp(bad[i], ".")) continue; /* a lone dot is MISSING */
    PetscCall(ExpectStatus(bad[i], strlen(bad[i]), PNLME_NUM_BAD));
  }
  PetscCall(ExpectStatus("2.84\0xyz", 8, PNLME_NUM_BAD));
  PetscCall(ExpectStatus("5\0", 2, PNLME_NUM_BAD));
  PetscCall(ExpectStatus("\0", 1, PNLME_NUM_BAD));
  PetscCall(ExpectStatus(".", 1, PNLME_NUM_MISSING));
  PetscCall(ExpectStatus("", 0, PNLME_NUM_MISSING));
  PetscCall(ExpectStatus(" ", 1, PNLME_NUM_BAD)); /* a quoted blank is not missing: the scan must agree */
  PetscCall(ExpectStatus("inf", 3, PNLME_NUM_NONFINITE));
  PetscCall(ExpectStatus("-Infinity", 9, PNLME_NUM_NONFINITE));
  PetscCall(ExpectStatus("NaN", 3, PNLME_NUM_NONFINITE));
  PetscCall(ExpectStatus("1e400", 5, PNLME_NUM_NONFINITE));
  {
    char       why[80];
    PnlmeField f = F("2.84\0xyz", 8);
    PnlmeCSVBadReason(&f, why, sizeof(why));
    PNLME_TEST_CHECK(!strcmp(why, " (it contains the control character 0x00)"), "reason: '%s'", why);
    f = F("0x1A", 4);
    PnlmeCSVBadReason(&f, why, sizeof(why));
    PNLME_TEST_CHECK(strstr(why, "hexadecimal"), "reason: '%s'", why);
    f = F("abc", 3);
    PnlmeCSVBadReason(&f, why, sizeof(why));
    PNLME_TEST_CHECK(!why[0], "reason: '%s'", why);
  }
  /* IDs: the exact value of the text */
  PetscCall(ExpectInteger("12", PNLME_NUM_OK, 12));
  PetscCall(ExpectInteger("12.0", PNLME_NUM_OK, 12));
  PetscCall(ExpectInteger("1.2e1", PNLME_NUM_OK, 12));
  PetscCall(ExpectInteger("1200e-2", PNLME_NUM_OK, 12));
  PetscCall(ExpectInteger("-3", PNLME_NUM_OK, -3));
  PetscCall(ExpectInteger("0.000", PNLME_NUM_OK, 0));
  PetscCall(ExpectInteger("007", PNLME_NUM_OK, 7));
  PetscCall(ExpectInteger("9007199254740992", PNLME_NUM_OK, 9007199254740992LL));
  PetscCall(ExpectInteger("-9007199254740992", PNLME_NUM_OK, -9007199254740992LL));
  PetscCall(ExpectInteger("9007199254740993", PNLME_NUM_RANGE, 0));
  PetscCall(ExpectInteger("9007199254740992.5", PNLME_NUM_NOTINT, 0));
  PetscCall(ExpectInteger("1e20", PNLME_NUM_RANGE, 0));
  PetscCall(ExpectInteger("1e999999999999", PNLME_NUM_RANGE, 0));
  PetscCall(ExpectInteger("2.5", PNLME_NUM_NOTINT, 0));
  PetscCall(ExpectInteger("1.00000000000000001", PNLME_NUM_NOTINT, 0));
  PetscCall(ExpectInteger("1e-30", PNLME_NUM_NOTINT, 0));
  PetscCall(ExpectInteger("0x10", PNLME_NUM_BAD, 0));
  PetscCall(ExpectInteger("inf", PNLME_NUM_NONFINITE, 0));
  PetscCall(ExpectInteger(".", PNLME_NUM_MISSING, 0));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "data numbers: all checks passed\n"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  return PnlmeAppMain(argc, argv, "number parsing test", Run);
}
