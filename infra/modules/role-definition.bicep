// The custom roles galleryflow runs with, from ../role-actions.json:
// - publisher: exactly the ARM actions its gateway declares at resource-group scope
//   (galleryflow.azure.actions.actions_at(RESOURCE_GROUP); tests/infra compares them),
//   assignable only on the gallery's and the source VMs' resource groups;
// - subscription reader: exactly the actions it declares at subscription scope
//   (actions_at(SUBSCRIPTION): quota usages, VMs and scale sets still using an image, and
//   the status reads of long-running operations, whose URLs live outside any resource group),
//   assignable on the gallery's subscription and the source VMs' (when it differs).
targetScope = 'subscription'

@description('Display name of the publisher role (unique in the tenant).')
param roleName string

@description('Resource-group ids where the publisher role may be assigned.')
param assignableScopes array

@description('Subscription ids (/subscriptions/<id>) where the subscription-reads role may be assigned: the gallery\'s and, when it differs, the source VMs\'.')
param subscriptionAssignableScopes array

var publisherActions = loadJsonContent('../role-actions.json', '$.actions')
var subscriptionActions = loadJsonContent('../role-actions.json', '$.subscriptionScopeActions')

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
    assignableScopes: subscriptionAssignableScopes
  }
}

output publisherRoleId string = publisher.id
// The GUID: role definitions are tenant-wide, and an assignment in another subscription
// names the role by that subscription's path.
output publisherRoleName string = publisher.name
output subscriptionReaderRoleId string = subscriptionReader.id
// The GUID, for assignments in every subscription the identity works in.
output subscriptionReaderRoleName string = subscriptionReader.name
