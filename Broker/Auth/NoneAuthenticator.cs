using MasterSocket.Protocol.Envelopes;

namespace MasterSocket.Broker.Auth;

/// <summary>Development mode: no credential; name, role and groups come from IDENTIFY itself.</summary>
public sealed class NoneAuthenticator : IAuthenticator
{
    // The identity carries no name: the session then takes IDENTIFY's own. So one identity per role
    // serves every client, instead of one object per IDENTIFY.
    private static readonly AuthResult Client = AuthResult.Ok(new Identity(null, Role.Client, GroupPatterns.Any));
    private static readonly AuthResult Service = AuthResult.Ok(new Identity(null, Role.Service, GroupPatterns.Any));

    public ValueTask<AuthResult> AuthenticateAsync(IdentifyRequest request) =>
        ValueTask.FromResult(!Roles.TryParse(request.Role, out var role) ? AuthResult.Fail("role must be 'service' or 'client'")
            : role == Role.Service ? Service
            : Client);
}
