import type { AnyToolDefinition } from '@mcp-platform/mcp-common/server';
import type { GitHubDeps } from '../deps.ts';
import { addIssueComment } from './add_issue_comment.ts';
import { commitFile } from './commit_file.ts';
import { createBranch } from './create_branch.ts';
import { createIssue } from './create_issue.ts';
import { createPullRequest } from './create_pull_request.ts';
import { getFile } from './get_file.ts';
import { getIssue } from './get_issue.ts';
import { getPullRequest } from './get_pull_request.ts';
import { listIssues } from './list_issues.ts';
import { listPullRequests } from './list_pull_requests.ts';
import { listRepositories } from './list_repositories.ts';
import { searchCode } from './search_code.ts';
import { searchIssues } from './search_issues.ts';

/** Every tool of mcp-github, in the order `tools/list` shows them. */
export const githubTools: AnyToolDefinition<GitHubDeps>[] = [
  listRepositories,
  getFile,
  searchCode,
  searchIssues,
  listIssues,
  getIssue,
  createIssue,
  addIssueComment,
  listPullRequests,
  getPullRequest,
  createBranch,
  commitFile,
  createPullRequest,
];
