// App Service Authentication ("Easy Auth", authsettingsV2) with Microsoft Entra ID in front of
// the Function App. The platform validates each caller's token for the galleryflow app
// registration and hands galleryflow the caller in X-MS-CLIENT-PRINCIPAL, with the app roles
// (publisher, approver, operator, reader) it was assigned; callers cannot set that header
// themselves. Requests without a valid token get 401 before galleryflow runs, except on the
// excluded paths: the anonymous health probe and the Azure DevOps routes, which keep their
// function key (and hook secret). Reference:
// https://learn.microsoft.com/azure/templates/microsoft.web/sites/config-authsettingsv2
@description('Name of the existing Function App.')
param appName string

@description('Application (client) id of the galleryflow Entra ID app registration.')
param clientId string

@description('Entra ID tenant of the app registration.')
param tenantId string

@description('Paths Easy Auth lets through without a token (their own credential applies).')
param excludedPaths array

resource app 'Microsoft.Web/sites@2024-04-01' existing = {
  name: appName
}

resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: app
  name: 'authsettingsV2'
  properties: {
    // checkov:skip=CKV_AZURE_13:This resource is App Service Authentication itself (platform.enabled below).
    // checkov:skip=CKV_AZURE_63:checkov applies its site-config checks to every Microsoft.Web/sites/config; this one is authsettingsV2 (authentication only), which has no such property.
    // checkov:skip=CKV_AZURE_65:checkov applies its site-config checks to every Microsoft.Web/sites/config; this one is authsettingsV2 (authentication only), which has no such property.
    // checkov:skip=CKV_AZURE_66:checkov applies its site-config checks to every Microsoft.Web/sites/config; this one is authsettingsV2 (authentication only), which has no such property.
    // checkov:skip=CKV_AZURE_80:checkov applies its site-config checks to every Microsoft.Web/sites/config; this one is authsettingsV2 (authentication only), which has no such property; no .NET here (Python).
    // checkov:skip=CKV_AZURE_88:checkov applies its site-config checks to every Microsoft.Web/sites/config; this one is authsettingsV2 (authentication only), which has no such property; Functions on Flex Consumption / Elastic Premium run from a package, not Azure Files.
    // checkov:skip=CKV_AZURE_222:checkov applies its site-config checks to every Microsoft.Web/sites/config; this one is authsettingsV2 (authentication only), which has no such property; Azure DevOps calls in from its public service IPs, Easy Auth guards the people's routes.
    platform: {
      enabled: true
      runtimeVersion: '~1'
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: excludedPaths
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: clientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenantId}/v2.0'
        }
        validation: {
          // Tokens for the app's Application ID URI (api://<client id>) or its client id.
          allowedAudiences: [
            'api://${clientId}'
            clientId
          ]
        }
      }
    }
    login: {
      // An API: no browser sessions to keep, no provider tokens to store.
      tokenStore: {
        enabled: false
      }
    }
  }
}
