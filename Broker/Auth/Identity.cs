namespace MasterSocket.Broker.Auth;

/// <summary>Who a credential says the client is, and what it may join.</summary>
public sealed record Identity(string? Name, Role Role, GroupPatterns AllowedGroups);

/// <summary>The outcome of checking a credential: an identity, or why not (never the credential itself).</summary>
public readonly record struct AuthResult(Identity? Identity, string? Failure)
{
    public static AuthResult Fail(string reason) => new(null, reason);

    public static AuthResult Ok(Identity identity) => new(identity, null);
}
