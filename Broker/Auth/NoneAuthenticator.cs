using MasterSocket.Protocol.Envelopes;

namespace MasterSocket.Broker.Auth;

/// <summary>Development mode: no credential; name, role and groups come from IDENTIFY itself.</summary>
public sealed class NoneAuthenticator : IAuthenticator
{
    public ValueTask<AuthResult> AuthenticateAsync(IdentifyRequest request) =>
        ValueTask.FromResult(Roles.TryParse(request.Role, out var role)
            ? AuthResult.Ok(new Identity(request.Name, role, GroupPatterns.Any))
            : AuthResult.Fail("role must be 'service' or 'client'"));
}
