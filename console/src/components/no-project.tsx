export function NoProject() {
  return <p class="muted">Choose a project in the header. Projects are Pinpoint applications (CreateApp).</p>;
}
