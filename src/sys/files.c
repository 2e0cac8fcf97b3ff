/* File-system helpers. */
#include <pnlmesys.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* mkdir -p: creates path and its missing parents; 0 on success, errno otherwise (not collective) */
int PnlmeMakeDirectory(const char path[])
{
  char   dir[PETSC_MAX_PATH_LEN];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof(dir)) return ENAMETOOLONG;
  memcpy(dir, path, n + 1);
  for (char *p = dir + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(dir, 0777) && errno != EEXIST) return errno;
    *p = '/';
  }
  if (mkdir(dir, 0777) && errno != EEXIST) return errno;
  return 0;
}
