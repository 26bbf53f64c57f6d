import { useQuery } from '../hooks';
import { ErrorText, Loading } from '../ui';

interface ProjectRow {
  projectId: string;
  name: string;
  description: string | null;
}

/** The landing page: every project. */
export function Overview() {
  const projects = useQuery<ProjectRow[]>('project.all');
  return (
    <section>
      <h1>Projects</h1>
      <ErrorText error={projects.error} />
      {projects.loading && <Loading />}
      <ul class="cards">
        {projects.data?.map((p) => (
          <li>
            <a href={`/project/${p.projectId}`}>{p.name}</a>
            {p.description && <p class="muted">{p.description}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
