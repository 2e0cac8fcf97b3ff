/* CSV tokenising, number parsing and a bounded-buffer line reader over a byte range of a file. */
#include "data/dataimpl.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

PetscInt PnlmeCSVSplit(const char *line, size_t len, PnlmeField f[], PetscInt maxf)
{
  PetscInt    n = 0;
  const char *p = line, *end = line + len;

  if (len > 0 && end[-1] == '\r') end--;
  for (;;) {
    const char *q = p, *a = p, *b;
    while (q < end && *q != ',') q++; /* fields are short: a plain loop beats memchr */
    b = q;
    while (a < b && (*a == ' ' || *a == '\t')) a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r')) b--;
    if (b - a >= 2 && *a == '"' && b[-1] == '"') {
      a++;
      b--;
    }
    if (n < maxf) {
      f[n].p = a;
      f[n].n = (size_t)(b - a);
    }
    n++;
    if (q == end) break;
    p = q + 1;
  }
  return n;
}

PetscBool PnlmeCSVIsBlank(const char *line, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') return PETSC_FALSE;
  return PETSC_TRUE;
}

void PnlmeCSVFieldText(const PnlmeField *f, char buf[], size_t size)
{
  size_t n = f->n < size - 1 ? f->n : size - 1;
  for (size_t i = 0; i < n; i++) buf[i] = (f->p[i] >= 32 && f->p[i] < 127) ? f->p[i] : '?';
  buf[n] = 0;
  if (n < f->n && size > 4) memcpy(buf + size - 4, "...", 4);
}

/* powers of ten exactly representable in binary64 */
static const double Pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static inline PetscBool IsDigit(char c)
{
  return (PetscBool)(c >= '0' && c <= '9');
}

static inline PetscBool IsMissing(const PnlmeField *f)
{
  return (PetscBool)(f->n == 0 || (f->n == 1 && f->p[0] == '.'));
}

/* the field [s, e) equals word, ignoring case */
static PetscBool IsWord(const char *s, const char *e, const char *word)
{
  size_t n = strlen(word);
  if ((size_t)(e - s) != n) return PETSC_FALSE;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != word[i]) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* A decimal literal, strictly: [spaces] [+|-] (digits [. [digits]] | . digits) [(e|E) [+|-] digits] [spaces]
   (spaces: ' ' and '\t', which may stand inside quotes).  Nothing else: no hexadecimal, no control
   characters, no NUL.  inf, infinity and nan (any case, signed) are NONFINITE. */
typedef struct {
  int         neg;
  const char *i0, *i1; /* integer digits */
  const char *f0, *f1; /* fraction digits */
  PetscInt64  exp;     /* explicit exponent, clamped to +-10^9 */
} Decimal;

static PnlmeNumStatus ScanDecimal(const PnlmeField *f, Decimal *x)
{
  const char *s = f->p, *e = f->p + f->n;

  while (s < e && (*s == ' ' || *s == '\t')) s++;
  while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
  x->neg = 0;
  x->exp = 0;
  if (s < e && (*s == '+' || *s == '-')) x->neg = (*s++ == '-');
  if (IsWord(s, e, "inf") || IsWord(s, e, "infinity") || IsWord(s, e, "nan")) return PNLME_NUM_NONFINITE;
  x->i0 = s;
  while (s < e && IsDigit(*s)) s++;
  x->i1 = x->f0 = x->f1 = s;
  if (s < e && *s == '.') {
    x->f0 = ++s;
    while (s < e && IsDigit(*s)) s++;
    x->f1 = s;
  }
  if (x->i0 == x->i1 && x->f0 == x->f1) return PNLME_NUM_BAD;
  if (s < e && (*s == 'e' || *s == 'E')) {
    int         eneg = 0;
    const char *e0;
    s++;
    if (s < e && (*s == '+' || *s == '-')) eneg = (*s++ == '-');
    for (e0 = s; s < e && IsDigit(*s); s++)
      if (x->exp < 1000000000) x->exp = x->exp * 10 + (*s - '0');
    if (s == e0) return PNLME_NUM_BAD;
    if (eneg) x->exp = -x->exp;
  }
  return s == e ? PNLME_NUM_OK : PNLME_NUM_BAD;
}

/* the digits of a scanned decimal, integer part then fraction */
static inline char DecimalDigit(const Decimal *x, size_t k)
{
  size_t ni = (size_t)(x->i1 - x->i0);
  return k < ni ? x->i0[k] : x->f0[k - ni];
}

/* Correctly rounded conversion of any length: the significant digits are copied (leading zeros dropped,
   at most PNLME_MAXSIG of them, then a sticky 1 if a later digit is not zero, which keeps the rounding:
   a binary64 value or rounding midpoint has at most 767 significant digits) and given to strtod. */
#define PNLME_MAXSIG 800
static PnlmeNumStatus DecimalToReal(const Decimal *x, PetscReal *v)
{
  char       buf[PNLME_MAXSIG + 40], *endp;
  size_t     nd = (size_t)(x->i1 - x->i0) + (size_t)(x->f1 - x->f0), n = 0, nsig = 0, lz = 0, k;
  PetscBool  sticky = PETSC_FALSE;
  PetscInt64 E;
  double     r;

  buf[n++] = '.';
  for (k = 0; k < nd && DecimalDigit(x, k) == '0'; k++) lz++;
  if (k == nd) {
    *v = x->neg ? -0.0 : 0.0;
    return PNLME_NUM_OK;
  }
  for (; k < nd; k++) {
    char c = DecimalDigit(x, k);
    if (nsig < PNLME_MAXSIG) buf[n++] = c, nsig++;
    else if (c != '0') sticky = PETSC_TRUE;
  }
  if (sticky) buf[n++] = '1';
  /* value = 0.DIGITS x 10^E */
  E = (PetscInt64)(x->i1 - x->i0) - (PetscInt64)lz + x->exp;
  E = PetscMax(PetscMin(E, 1000000), -1000000);
  snprintf(buf + n, sizeof(buf) - n, "e%lld", (long long)E);
  r = strtod(buf, &endp);
  if (*endp) return PNLME_NUM_BAD; /* cannot happen: buf is a plain decimal */
  if (!isfinite(r)) return PNLME_NUM_NONFINITE;
  *v = x->neg ? -r : r;
  return PNLME_NUM_OK;
}

/* Decimal numbers: a fast path exact by construction (Clinger: at most 2^53 as an integer mantissa and a
   power of ten up to 1e22 give one correctly rounded operation), the strict scanner otherwise. */
PnlmeNumStatus PnlmeCSVParseReal(const PnlmeField *f, PetscReal *x)
{
  const char *s = f->p, *e = f->p + f->n;
  uint64_t    m    = 0;
  int         nd   = 0, exp10 = 0, neg = 0, digits = 0;
  PetscBool   fast = PETSC_TRUE;

  if (IsMissing(f)) return PNLME_NUM_MISSING;
  if (s < e && (*s == '+' || *s == '-')) neg = (*s++ == '-');
  for (; s < e && *s >= '0' && *s <= '9'; s++, digits++) {
    if (m == 0 && *s == '0') continue;
    if (nd < 19) {
      m = m * 10 + (uint64_t)(*s - '0');
      nd++;
    } else fast = PETSC_FALSE;
  }
  if (s < e && *s == '.') {
    s++;
    for (; s < e && *s >= '0' && *s <= '9'; s++, digits++) {
      if (m == 0 && *s == '0') {
        exp10--;
        continue;
      }
      if (nd < 19) {
        m = m * 10 + (uint64_t)(*s - '0');
        nd++;
        exp10--;
      } else fast = PETSC_FALSE;
    }
  }
  if (digits > 0 && s < e && (*s == 'e' || *s == 'E')) {
    int eneg = 0, ev = 0, edig = 0;
    s++;
    if (s < e && (*s == '+' || *s == '-')) eneg = (*s++ == '-');
    for (; s < e && *s >= '0' && *s <= '9'; s++, edig++)
      if (ev < 100000) ev = ev * 10 + (*s - '0');
    if (!edig) fast = PETSC_FALSE; /* "1e": the strict scanner rejects it */
    else exp10 += eneg ? -ev : ev;
  }
  if (digits > 0 && s == e && fast && m <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
    double v = (double)m;
    v        = exp10 >= 0 ? v * Pow10[exp10] : v / Pow10[-exp10];
    *x       = neg ? -v : v;
    return PNLME_NUM_OK;
  }
  {
    Decimal        d;
    PnlmeNumStatus st = ScanDecimal(f, &d);
    if (st != PNLME_NUM_OK) return st;
    return DecimalToReal(&d, x);
  }
}

/* An integer given in decimal (12, 12.0, 1.2e1), exactly: the value of the text itself, not of its
   rounding to binary64, so 9007199254740993 is not taken for 2^53 and 1.00000000000000001 is no integer. */
PnlmeNumStatus PnlmeCSVParseInteger(const PnlmeField *f, PetscInt64 maxabs, PetscInt64 *v)
{
  Decimal        d;
  PnlmeNumStatus st;
  size_t         nd, lz = 0, tz = 0, ns;
  PetscInt64     k;
  uint64_t       m = 0;

  if (IsMissing(f)) return PNLME_NUM_MISSING;
  st = ScanDecimal(f, &d);
  if (st != PNLME_NUM_OK) return st;
  nd = (size_t)(d.i1 - d.i0) + (size_t)(d.f1 - d.f0);
  while (lz < nd && DecimalDigit(&d, lz) == '0') lz++;
  if (lz == nd) {
    *v = 0;
    return PNLME_NUM_OK;
  }
  while (DecimalDigit(&d, nd - 1 - tz) == '0') tz++;
  ns = nd - lz - tz; /* significant digits S: the value is S x 10^k */
  k  = d.exp - (PetscInt64)(d.f1 - d.f0) + (PetscInt64)tz;
  if (k < 0) return PNLME_NUM_NOTINT;
  if ((PetscInt64)ns + k > 18) return PNLME_NUM_RANGE;
  for (size_t j = lz; j < lz + ns; j++) m = m * 10 + (uint64_t)(DecimalDigit(&d, j) - '0');
  for (PetscInt64 j = 0; j < k; j++) m *= 10;
  if (m > (uint64_t)maxabs) return PNLME_NUM_RANGE;
  *v = d.neg ? -(PetscInt64)m : (PetscInt64)m;
  return PNLME_NUM_OK;
}

/* why a field is not a number, for the message: "" or " (...)" */
void PnlmeCSVBadReason(const PnlmeField *f, char buf[], size_t size)
{
  const char *s = f->p, *e = f->p + f->n;
  buf[0]        = 0;
  for (const char *c = s; c < e; c++)
    if ((unsigned char)*c < 32 || (unsigned char)*c == 127) {
      snprintf(buf, size, " (it contains the control character 0x%02X)", (unsigned)(unsigned char)*c);
      return;
    }
  while (s < e && (*s == ' ' || *s == '\t')) s++;
  if (s < e && (*s == '+' || *s == '-')) s++;
  if (e - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) snprintf(buf, size, " (numbers are decimal; hexadecimal is not accepted)");
}

/* ---------------------------------------------------------------- line reader */
PetscErrorCode PnlmeLineReaderCreate(int fd, PetscInt64 fsize, size_t bufsize, PnlmeLineReader *r)
{
  PetscBool ok;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(r, sizeof(*r)));
  r->fd    = fd;
  r->fsize = fsize;
  r->cap   = bufsize < 64 ? 64 : bufsize;
  PetscCall(PnlmeDataTryGrow(0, r->cap, 1, &r->buf, &ok));
  if (!ok) {
    r->oom      = PETSC_TRUE;
    r->oombytes = r->cap;
    r->cap      = 0;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeLineReaderDestroy(PnlmeLineReader *r)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(r->buf));
  PetscFunctionReturn(0);
}

/* reads more bytes after buf[hi): returns the number read (0 at the end of the file) */
static size_t Fill(PnlmeLineReader *r)
{
  PetscInt64 off = r->bufoff + (PetscInt64)r->hi;
  size_t     want, got = 0;

  if (off >= r->fsize) return 0;
  want = r->cap - r->hi;
  if ((PetscInt64)want > r->fsize - off) want = (size_t)(r->fsize - off);
  while (got < want) {
    ssize_t k = pread(r->fd, r->buf + r->hi + got, want - got, (off_t)(off + (PetscInt64)got));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      r->ioerror = PETSC_TRUE;
      break;
    }
    got += (size_t)k;
  }
  r->hi += got;
  return got;
}

/* make the buffer start at the file offset pos, keeping whatever is already loaded */
static PetscErrorCode Recenter(PnlmeLineReader *r, PetscInt64 pos)
{
  PetscFunctionBegin;
  if (pos >= r->bufoff && pos <= r->bufoff + (PetscInt64)r->hi) {
    size_t k = (size_t)(pos - r->bufoff);
    memmove(r->buf, r->buf + k, r->hi - k);
    r->hi -= k;
  } else r->hi = 0;
  r->lo     = 0;
  r->bufoff = pos;
  PetscFunctionReturn(0);
}

PetscErrorCode PnlmeLineReaderSeek(PnlmeLineReader *r, PetscInt64 begin, PetscInt64 end, PetscBool align)
{
  PetscFunctionBegin;
  r->end = end;
  r->pos = begin;
  if (r->oom) PetscFunctionReturn(0);
  if (!align || begin <= 0 || begin >= r->fsize) {
    PetscCall(Recenter(r, begin));
    PetscFunctionReturn(0);
  }
  /* the first line starting at or after begin: after the first '\n' at or after begin-1 */
  PetscCall(Recenter(r, begin - 1));
  for (;;) {
    char *nl;
    if (r->lo == r->hi) {
      r->bufoff += (PetscInt64)r->hi;
      r->lo = r->hi = 0;
      if (!Fill(r)) {
        r->pos = r->fsize;
        PetscFunctionReturn(0);
      }
    }
    nl = memchr(r->buf + r->lo, '\n', r->hi - r->lo);
    if (nl) {
      r->pos = r->bufoff + (PetscInt64)(nl - r->buf) + 1;
      r->lo  = (size_t)(nl - r->buf) + 1;
      PetscFunctionReturn(0);
    }
    r->lo = r->hi;
    if (r->bufoff + (PetscInt64)r->hi >= end) { /* no line starts in the range: stop early */
      r->pos = end;
      PetscFunctionReturn(0);
    }
  }
}

PetscErrorCode PnlmeLineReaderNext(PnlmeLineReader *r, const char **line, size_t *len, PetscInt64 *offset, PetscBool *got)
{
  size_t start, scanned;

  PetscFunctionBegin;
  *got = PETSC_FALSE;
  if (r->oom || r->pos >= r->end || r->pos >= r->fsize) PetscFunctionReturn(0);
  if (r->pos < r->bufoff || r->pos > r->bufoff + (PetscInt64)r->hi) PetscCall(Recenter(r, r->pos));
  start   = (size_t)(r->pos - r->bufoff);
  scanned = start;
  for (;;) {
    char *nl = scanned < r->hi ? memchr(r->buf + scanned, '\n', r->hi - scanned) : NULL;
    if (nl) {
      size_t e = (size_t)(nl - r->buf);
      *line    = r->buf + start;
      *len     = e - start;
      *offset  = r->pos;
      r->pos += (PetscInt64)(e - start) + 1;
      *got = PETSC_TRUE;
      PetscFunctionReturn(0);
    }
    scanned = r->hi;
    /* need more bytes: move the partial line to the front, grow the buffer if it is full */
    if (start > 0) {
      memmove(r->buf, r->buf + start, r->hi - start);
      r->bufoff += (PetscInt64)start;
      r->hi -= start;
      scanned -= start;
      start = 0;
    }
    if (r->hi == r->cap) { /* a line longer than the buffer */
      PetscBool ok;
      PetscCall(PnlmeDataTryGrow(r->hi, 2 * r->cap, 1, &r->buf, &ok));
      if (!ok) {
        r->oom      = PETSC_TRUE;
        r->oombytes = 2 * r->cap;
        PetscFunctionReturn(0);
      }
      r->cap *= 2;
    }
    if (!Fill(r)) { /* end of file: the last line has no newline */
      if (r->hi == start) PetscFunctionReturn(0);
      *line   = r->buf + start;
      *len    = r->hi - start;
      *offset = r->pos;
      r->pos += (PetscInt64)(r->hi - start);
      *got = PETSC_TRUE;
      PetscFunctionReturn(0);
    }
  }
}
