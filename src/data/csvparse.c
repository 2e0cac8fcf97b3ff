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

/* Decimal numbers: a fast path exact by construction (Clinger: at most 2^53 as an integer mantissa and a
   power of ten up to 1e22 give one correctly rounded operation), strtod for everything else. */
PnlmeNumStatus PnlmeCSVParseReal(const PnlmeField *f, PetscReal *x)
{
  const char *s = f->p, *e = f->p + f->n;
  uint64_t    m    = 0;
  int         nd   = 0, exp10 = 0, neg = 0, digits = 0;
  PetscBool   fast = PETSC_TRUE;

  if (f->n == 0 || (f->n == 1 && s[0] == '.')) return PNLME_NUM_MISSING;
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
    if (!edig) fast = PETSC_FALSE, s = e + 1; /* "1e": let strtod decide (it rejects) */
    else exp10 += eneg ? -ev : ev;
  }
  if (digits > 0 && s == e && fast && m <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
    double v = (double)m;
    v        = exp10 >= 0 ? v * Pow10[exp10] : v / Pow10[-exp10];
    *x       = neg ? -v : v;
    return PNLME_NUM_OK;
  }
  {
    char   buf[256], *endp;
    double v;
    if (f->n >= sizeof(buf)) return PNLME_NUM_BAD;
    memcpy(buf, f->p, f->n);
    buf[f->n] = 0;
    errno     = 0;
    v         = strtod(buf, &endp);
    if (endp == buf || *endp) return PNLME_NUM_BAD;
    if (!isfinite(v)) return PNLME_NUM_NONFINITE;
    *x = v;
  }
  return PNLME_NUM_OK;
}

/* ---------------------------------------------------------------- line reader */
PetscErrorCode PnlmeLineReaderCreate(int fd, PetscInt64 fsize, size_t bufsize, PnlmeLineReader *r)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(r, sizeof(*r)));
  r->fd    = fd;
  r->fsize = fsize;
  r->cap   = bufsize < 64 ? 64 : bufsize;
  PetscCall(PetscMalloc1(r->cap, &r->buf));
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
  if (r->pos >= r->end || r->pos >= r->fsize) PetscFunctionReturn(0);
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
    if (r->hi == r->cap) {
      PetscCall(PetscRealloc(2 * r->cap, &r->buf));
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
