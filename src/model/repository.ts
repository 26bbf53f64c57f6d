/** `owner/name` of a repository path or clone URL, lower case and without `.git`: what two spellings of one repository share. */
export function repositoryKey(pathOrUrl: string): string {
  const path = pathOrUrl.trim().replace(/^[a-z+]+:\/\/[^/]*\//i, '').replace(/^[^/@\s]+@[^:/\s]+:/, '').replace(/\/+$/, '').replace(/\.git$/i, '');
  return path.split('/').filter(Boolean).slice(-2).join('/').toLowerCase();
}
