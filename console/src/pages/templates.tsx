/**
 * Message templates: the list by channel, and the editor (every part of the type, the recommender
 * model, default values), with the attribute finder, live preview, and the version history with
 * the active version. Saving an existing template makes a new version; the active version (what
 * sends use) changes only when one is made active.
 */
import { useEffect, useState } from "preact/hooks";
import { GetRecommenderConfigurationCommand, type EndpointResponse } from "@aws-sdk/client-pinpoint";
import { describeError } from "../aws";
import type { PageProps } from "../pages";
import { href, navigate } from "../router";
import { useLoad } from "../use-load";
import { ErrorMessage, Field, Loading, Page, Select, Table, formatDate } from "../components/ui";
import { CodeEditor, inputTarget, type InsertTarget } from "../components/code-editor";
import { AttributeFinder, customAttributes } from "../components/attribute-finder";
import { Preview } from "../components/preview";
import { listRecommenders } from "./recommenders";
import {
  EMPTY_CONTENT,
  TEMPLATE_TYPES,
  TYPE_TITLES,
  activateVersion,
  deleteTemplate,
  getTemplate,
  listTemplates,
  saveTemplate,
  templateVersions,
  type TemplateContent,
  type TemplateType,
} from "../templates-api";

const isType = (t: string | undefined): t is TemplateType => (TEMPLATE_TYPES as readonly string[]).includes(t ?? "");

export function TemplatesPage(props: PageProps) {
  const [first, second] = props.route;
  if (first === "new" && isType(second)) return <TemplateEditor {...props} type={second} />;
  if (isType(first) && second) return <TemplateEditor {...props} type={first} name={second} />;
  return <TemplateList {...props} type={isType(first) ? first : "EMAIL"} />;
}

function TemplateList({ clients, type }: PageProps & { type: TemplateType }) {
  const list = useLoad(() => listTemplates(clients.pinpoint, type), [clients, type]);
  const [error, setError] = useState<string>();
  const remove = async (name: string) => {
    if (!window.confirm(`Delete the ${TYPE_TITLES[type]} template "${name}" and all its versions?`)) return;
    try {
      await deleteTemplate(clients.pinpoint, type, name);
      list.reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <Page
      title="Message templates"
      actions={
        <a class="button" href={href("templates", "new", type)}>
          Create {TYPE_TITLES[type]} template
        </a>
      }
    >
      <nav class="tabs" aria-label="Channel">
        {TEMPLATE_TYPES.map((t) => (
          <a key={t} href={href("templates", t)} aria-current={t === type ? "page" : undefined}>
            {TYPE_TITLES[t]}
          </a>
        ))}
      </nav>
      <ErrorMessage error={list.error ?? error} />
      <Loading when={list.loading && !list.data} />
      {list.data && (
        <Table
          caption={`${TYPE_TITLES[type]} templates`}
          head={["Name", "Active version", "Last modified", "Actions"]}
          empty={list.data.length === 0 && `No ${TYPE_TITLES[type]} templates yet.`}
        >
          {list.data.map((t) => (
            <tr key={t.TemplateName}>
              <td>
                <a href={href("templates", type, t.TemplateName!)}>{t.TemplateName}</a>
              </td>
              <td>{t.Version}</td>
              <td>{formatDate(t.LastModifiedDate)}</td>
              <td>
                <button type="button" class="danger" onClick={() => remove(t.TemplateName!)} aria-label={`Delete ${t.TemplateName}`}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Page>
  );
}

function TemplateEditor({ clients, type, name, projectId }: PageProps & { type: TemplateType; name?: string }) {
  const creating = name === undefined;
  const [newName, setNewName] = useState("");
  const [content, setContent] = useState<TemplateContent>(EMPTY_CONTENT);
  const [savedContent, setSavedContent] = useState<TemplateContent>(EMPTY_CONTENT);
  const [openVersion, setOpenVersion] = useState<string>();
  const [loads, setLoads] = useState(0);
  const [target, setTarget] = useState<InsertTarget>();
  const [custom, setCustom] = useState<{ names: string[]; from?: string }>({ names: [] });
  const [error, setError] = useState<string>();
  const [status, setStatus] = useState<string>();
  const [busy, setBusy] = useState(false);

  const recommenders = useLoad(() => listRecommenders(clients), [clients]);
  const versions = useLoad(async () => (name ? await templateVersions(clients.pinpoint, type, name) : []), [clients, type, name]);
  const active = useLoad(
    async () => (name ? (await getTemplate(clients.pinpoint, type, name)).version : undefined),
    [clients, type, name, versions.data],
  );
  const recommender = useLoad(
    async () =>
      content.recommenderId
        ? (await clients.pinpoint.send(new GetRecommenderConfigurationCommand({ RecommenderId: content.recommenderId })))
            .RecommenderConfigurationResponse
        : undefined,
    [clients, content.recommenderId],
  );

  const open = async (version?: string) => {
    if (!name) return;
    setError(undefined);
    try {
      const t = await getTemplate(clients.pinpoint, type, name, version);
      setContent(t.content);
      setSavedContent(t.content);
      setOpenVersion(t.version);
      setLoads((n) => n + 1);
    } catch (err) {
      setError(describeError(err));
    }
  };
  useEffect(() => {
    void open();
  }, [clients, type, name]);

  const set = (k: keyof TemplateContent) => (v: string) => setContent((c) => ({ ...c, [k]: v }));
  const unsaved = JSON.stringify(content) !== JSON.stringify(savedContent);

  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setStatus(undefined);
    try {
      const templateName = name ?? newName.trim();
      await saveTemplate(clients.pinpoint, type, templateName, content, creating);
      if (creating) return navigate("templates", type, templateName);
      const latest = (await templateVersions(clients.pinpoint, type, templateName))[0]?.Version;
      await open(latest);
      versions.reload();
      setStatus(`Saved as version ${latest}.`);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const makeActive = async (version: string) => {
    try {
      await activateVersion(clients.pinpoint, type, name!, version);
      versions.reload();
      setStatus(`Version ${version} is now active.`);
    } catch (err) {
      setError(describeError(err));
    }
  };

  const plain = (label: string, k: keyof TemplateContent) => (
    <div class="field">
      <label for={`part-${k}`}>{label}</label>
      <input
        id={`part-${k}`}
        value={content[k]}
        onInput={(e) => set(k)((e.target as HTMLInputElement).value)}
        onFocus={(e) => setTarget(inputTarget(label, e.target as HTMLInputElement, set(k)))}
      />
    </div>
  );

  const recommenderOptions = [
    { value: "", label: "(none)" },
    ...(recommenders.data ?? []).map((r) => ({ value: r.Id!, label: `${r.Name || r.Id} (${r.Id})` })),
  ];
  if (content.recommenderId && !recommenderOptions.some((o) => o.value === content.recommenderId))
    recommenderOptions.push({ value: content.recommenderId, label: content.recommenderId });

  return (
    <Page title={creating ? `New ${TYPE_TITLES[type]} template` : `${TYPE_TITLES[type]} template: ${name}`}>
      <p>
        <a href={href("templates", type)}>← All {TYPE_TITLES[type]} templates</a>
      </p>
      <div class="editor-layout">
        <div class="editor-main">
          <form class="form" onSubmit={save}>
            {creating && (
              <Field label="Template name" value={newName} onInput={setNewName} required hint="Letters, numbers, hyphens and underscores" />
            )}
            {!creating && (
              <p class="muted" role="status">
                Editing version {openVersion ?? "…"}
                {active.data && ` · active version ${active.data}`}
                {unsaved && " · unsaved changes"}
              </p>
            )}
            <Field label="Description" value={content.description} onInput={set("description")} />
            <Select
              label="Recommender model"
              value={content.recommenderId}
              onChange={set("recommenderId")}
              options={recommenderOptions}
              error={recommender.error}
            />
            {type === "EMAIL" && (
              <>
                {plain("Subject", "subject")}
                <CodeEditor label="HTML part" value={content.html} onChange={set("html")} onTarget={setTarget} resetKey={loads} html />
                <CodeEditor label="Text part" value={content.text} onChange={set("text")} onTarget={setTarget} resetKey={loads} />
              </>
            )}
            {type === "SMS" && (
              <CodeEditor label="SMS body" value={content.smsBody} onChange={set("smsBody")} onTarget={setTarget} resetKey={loads} />
            )}
            {type === "PUSH" && (
              <>
                {plain("Title", "pushTitle")}
                <CodeEditor label="Push body" value={content.pushBody} onChange={set("pushBody")} onTarget={setTarget} resetKey={loads} />
              </>
            )}
            <div class="field">
              <label for="default-substitutions">Default values (JSON)</label>
              <textarea
                id="default-substitutions"
                rows={2}
                value={content.defaultSubstitutions}
                onInput={(e) => set("defaultSubstitutions")((e.target as HTMLTextAreaElement).value)}
                placeholder='{"User.UserAttributes.FirstName": "there"}'
              />
            </div>
            <ErrorMessage error={error} />
            {status && (
              <p class="ok" role="status">
                {status}
              </p>
            )}
            <div class="actions">
              <button type="submit" disabled={busy || (creating && !newName.trim())}>
                {creating ? "Create template" : "Save as new version"}
              </button>
            </div>
          </form>
          {!creating && (
            <Preview
              clients={clients}
              projectId={projectId}
              templateName={name}
              version={openVersion}
              unsaved={unsaved}
              onRecipient={(endpoints: EndpointResponse[], from) => setCustom({ names: customAttributes(endpoints), from })}
            />
          )}
          {!creating && (
            <section class="panel" aria-labelledby="versions-title">
              <h2 id="versions-title">Versions</h2>
              <ErrorMessage error={versions.error} />
              <Table caption="Version history" head={["Version", "Last modified", "State", "Actions"]}>
                {(versions.data ?? []).map((v) => (
                  <tr key={v.Version}>
                    <td>{v.Version}</td>
                    <td>{formatDate(v.LastModifiedDate)}</td>
                    <td>
                      {[v.Version === active.data && "Active", v.Version === openVersion && "Open in editor"].filter(Boolean).join(", ")}
                    </td>
                    <td class="actions">
                      <button type="button" class="secondary" onClick={() => open(v.Version)} aria-label={`Open version ${v.Version}`}>
                        Open
                      </button>
                      {v.Version !== active.data && (
                        <button
                          type="button"
                          class="secondary"
                          onClick={() => makeActive(v.Version!)}
                          aria-label={`Make version ${v.Version} active`}
                        >
                          Make active
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </Table>
            </section>
          )}
        </div>
        <AttributeFinder target={target} recommender={recommender.data} custom={custom.names} customFrom={custom.from} />
      </div>
    </Page>
  );
}
