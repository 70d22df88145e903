"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSessionUser, type TRole, type TSessionUser } from "@/components/layout/session";
import { useTRPC } from "@/components/trpc/client";
import { Alert, FormError } from "@/components/ui/alert";
import { Badge, RoleBadge } from "@/components/ui/badge";
import { errorInfo, splitErrors } from "@/components/ui/errors";
import { SelectField, TextField } from "@/components/ui/field";
import { initials } from "@/components/ui/format";
import { EmptyState, LoadingBlock } from "@/components/ui/states";
import { Time } from "@/components/ui/time";

const ROLES: { value: TRole; label: string; help: string }[] = [
  { value: "admin", label: "Admin", help: "Everything, including managing users." },
  { value: "editor", label: "Editor", help: "Creates and changes pipelines, commits versions, moves aliases." },
  { value: "viewer", label: "Viewer", help: "Reads pipelines, versions and activity." },
];

export function UsersPage() {
  const me = useSessionUser();
  if (me.role !== "admin") {
    return (
      <EmptyState title="Admins only">
        Only administrators can manage users. You are signed in as {me.role === "editor" ? "an editor" : "a viewer"}.
      </EmptyState>
    );
  }
  return <UsersAdmin me={me} />;
}

function UsersAdmin({ me }: { me: TSessionUser }) {
  const trpc = useTRPC();
  const users = useQuery(trpc.users.list.queryOptions());
  return (
    <div className="stack-lg">
      <div className="page-header">
        <div>
          <h1 className="page-title">Users</h1>
          <p className="page-subtitle">Who can sign in, and what they may do.</p>
        </div>
      </div>
      <div className="users-grid">
        <section className="card" aria-label="User list">
          {users.isPending ? (
            <LoadingBlock label="Loading users…" />
          ) : users.isError ? (
            <div className="card-body">
              <Alert tone="error" title="Could not load users">
                {errorInfo(users.error).message}
              </Alert>
            </div>
          ) : (
            <div className="table-wrap">
              <table className="table" data-testid="users-table">
                <thead>
                  <tr>
                    <th scope="col">User</th>
                    <th scope="col">Role</th>
                    <th scope="col">Added</th>
                  </tr>
                </thead>
                <tbody>
                  {users.data.map((u) => (
                    <tr key={u.id}>
                      <td>
                        <div className="user-cell">
                          <span className="avatar avatar-sm" aria-hidden="true">
                            {initials(u.name, u.email)}
                          </span>
                          <div>
                            <div className="cell-title">
                              {u.name}
                              {u.id === me.id ? <Badge>You</Badge> : null}
                            </div>
                            <div className="muted small">{u.email}</div>
                          </div>
                        </div>
                      </td>
                      <td>
                        <RoleSelect user={u} isMe={u.id === me.id} />
                      </td>
                      <td className="muted small nowrap">
                        <Time value={u.createdAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <CreateUserForm />
      </div>
    </div>
  );
}

function RoleSelect({ user, isMe }: { user: { id: string; email: string; role: TRole }; isMe: boolean }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const setRole = useMutation(
    trpc.users.setRole.mutationOptions({
      onSettled: () => qc.invalidateQueries(trpc.users.list.queryFilter()),
    }),
  );
  if (isMe) {
    return (
      <div className="role-cell" title="Your own role can only be changed by another admin.">
        <RoleBadge role={user.role} />
      </div>
    );
  }
  return (
    <div className="role-cell">
      <label className="sr-only" htmlFor={`role-${user.id}`}>
        Role of {user.email}
      </label>
      <select
        id={`role-${user.id}`}
        className="input select select-sm"
        value={setRole.isPending ? setRole.variables.role : user.role}
        disabled={setRole.isPending}
        onChange={(e) => setRole.mutate({ userId: user.id, role: e.target.value as TRole })}
      >
        {ROLES.map((r) => (
          <option key={r.value} value={r.value}>
            {r.label}
          </option>
        ))}
      </select>
      {setRole.error ? (
        <span className="inline-error" role="alert">
          {errorInfo(setRole.error).message}
        </span>
      ) : null}
    </div>
  );
}

const FIELDS = ["email", "name", "password", "role"] as const;
const ARTICLE: Record<TRole, string> = { admin: "an admin", editor: "an editor", viewer: "a viewer" };

function CreateUserForm() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<TRole>("editor");
  const [created, setCreated] = useState<string | null>(null);
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: async (u) => {
        setCreated(`${u.email} can now sign in as ${ARTICLE[u.role]}.`);
        setEmail("");
        setName("");
        setPassword("");
        setRole("editor");
        await qc.invalidateQueries(trpc.users.list.queryFilter());
      },
    }),
  );
  const errors = splitErrors(create.error, FIELDS, { EMAIL_TAKEN: "email" });

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    create.mutate({ email: email.trim(), name: name.trim(), password, role });
  }

  const roleHelp = ROLES.find((r) => r.value === role)?.help;
  return (
    <form className="card" onSubmit={onSubmit} noValidate aria-labelledby="add-user-title" data-testid="create-user-form">
      <div className="card-header">
        <div>
          <h2 className="card-title" id="add-user-title">
            Add a user
          </h2>
          <p className="card-subtitle">Share the password with them; they sign in with their email.</p>
        </div>
      </div>
      <div className="card-body form-stack">
        <TextField label="Email" type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} error={errors.fields.email} />
        <TextField label="Name" autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} error={errors.fields.name} hint="Optional; defaults to the email." />
        <TextField label="Password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} error={errors.fields.password} hint="At least 8 characters." />
        <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value as TRole)} error={errors.fields.role} hint={roleHelp}>
          {ROLES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </SelectField>
        <FormError message={errors.form} />
        {created ? (
          <p className="note note-success" role="status">
            {created}
          </p>
        ) : null}
      </div>
      <div className="card-footer">
        <button type="submit" className="btn btn-primary" disabled={create.isPending || !email.trim() || !password}>
          {create.isPending ? "Adding…" : "Add user"}
        </button>
      </div>
    </form>
  );
}
