using MasterSocket.Protocol.Envelopes;

namespace MasterSocket.Broker.Auth;

/// <summary>Checks the credential of an IDENTIFY. One implementation per <c>Broker:Auth:Mode</c>.</summary>
public interface IAuthenticator
{
    ValueTask<AuthResult> AuthenticateAsync(IdentifyRequest request);
}
