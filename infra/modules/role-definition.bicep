// The custom roles galleryflow runs with, from ../role-actions.json:
// - publisher: exactly the ARM actions its gateway declares
//   (galleryflow.azure.actions.ARM_ACTIONS; tests/infra compares them), assignable only on
//   the gallery's and the source VMs' resource groups;
// - subscription reader: the few reads galleryflow makes at subscription scope (quota
//   usages, VMs and scale sets still using an image) and the status reads of long-running
//   operations (their URLs live outside any resource group), assignable on the subscription.
targetScope = 'subscription'

@description('Display name of the publisher role (unique in the tenant).')
param roleName string

@description('Resource-group ids where the publisher role may be assigned.')
param assignableScopes array

var publisherActions = loadJsonContent('../role-actions.json', '$.actions')
var subscriptionReads = loadJsonContent('../role-actions.json', '$.subscriptionScopeActions')
var lroPolling = loadJsonContent('../role-actions.json', '$.lroPollingActions')
var subscriptionActions = concat(subscriptionReads, lroPolling)

resource publisher 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, roleName)
  properties: {
    roleName: roleName
    description: 'galleryflow: capture VMs into Azure Compute Gallery image versions, replicate, promote, prune and roll back.'
    type: 'CustomRole'
    permissions: [
      {
        actions: publisherActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

resource subscriptionReader 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, roleName, 'subscription-reader')
  properties: {
    roleName: '${roleName} subscription reads'
    description: 'galleryflow: read gallery quota usages, which VMs and scale sets use an image, and long-running operation status.'
    type: 'CustomRole'
    permissions: [
      {
        actions: subscriptionActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: [
      subscription().id
    ]
  }
}

output publisherRoleId string = publisher.id
// The GUID: role definitions are tenant-wide, and an assignment in another subscription
// names the role by that subscription's path.
output publisherRoleName string = publisher.name
output subscriptionReaderRoleId string = subscriptionReader.id
