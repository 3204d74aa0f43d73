// Users: invite, change role, remove. The API enforces the roles (admins
// read, owners change); the page only hides what the caller may not do.
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote, fmtTime, hasRole, Page, usePoll, useSession } from "../ui";

interface User {
  user_id: string;
  email: string;
  role: string;
  verified: boolean;
  created_at: string;
}

export function UsersPage() {
  const { me } = useSession();
  const owner = hasRole(me, "owner");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("member");
  const [note, setNote] = useState("");
  const [error, setError] = useState<unknown>(null);
  const admin = hasRole(me, "admin");
  const { value, error: listError, reload } = usePoll(
    () => (admin ? api.get<{ users: User[] }>("/v1/users").then((r) => r.users) : Promise.resolve([] as User[])),
    null,
    [admin],
  );
  if (!admin)
    return (
      <Page title="Users">
        <p>Only admins and owners of the organization see its users. You are signed in as {me?.email} ({me?.role}).</p>
      </Page>
    );
  return (
    <Page title="Users">
      {owner && (
        <form
          class="panel"
          aria-label="Invite user"
          onSubmit={async (e) => {
            e.preventDefault();
            setError(null);
            try {
              await api.send("POST", "/v1/users", { email, role });
              setNote(`Invitation sent to ${email}.`);
              setEmail("");
              void reload();
            } catch (err) {
              setError(err);
            }
          }}
        >
          <h2>Invite a user</h2>
          <label>
            Email
            <input type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </label>
          <label>
            Role
            <select aria-label="Role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              <option value="member">member</option>
              <option value="admin">admin</option>
              <option value="owner">owner</option>
            </select>
          </label>
          <ErrorNote error={error} />
          <button type="submit">Invite</button>
          {note && <p role="status">{note}</p>}
        </form>
      )}
      <ErrorNote error={listError} />
      {value && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Users</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Verified</th>
                <th scope="col">Since</th>
                {owner && (
                  <th scope="col">
                    <span class="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {value.map((u) => (
                <tr key={u.user_id}>
                  <th scope="row">{u.email}</th>
                  <td>
                    {owner ? (
                      <select
                        aria-label={`Role of ${u.email}`}
                        value={u.role}
                        onChange={async (e) => {
                          setError(null);
                          try {
                            await api.send("PATCH", `/v1/users/${encodeURIComponent(u.user_id)}`, { role: e.currentTarget.value });
                          } catch (err) {
                            setError(err);
                          }
                          void reload();
                        }}
                      >
                        <option value="member">member</option>
                        <option value="admin">admin</option>
                        <option value="owner">owner</option>
                      </select>
                    ) : (
                      u.role
                    )}
                  </td>
                  <td>{u.verified ? "yes" : "invited"}</td>
                  <td>{fmtTime(u.created_at)}</td>
                  {owner && (
                    <td>
                      {u.user_id !== me?.user_id && (
                        <button
                          type="button"
                          class="danger"
                          aria-label={`Remove ${u.email}`}
                          onClick={async () => {
                            if (!confirm(`Remove ${u.email}? Their sessions and API keys end at once.`)) return;
                            try {
                              await api.send("DELETE", `/v1/users/${encodeURIComponent(u.user_id)}`);
                            } catch (err) {
                              setError(err);
                            }
                            void reload();
                          }}
                        >
                          Remove
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}
