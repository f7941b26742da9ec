// Optional CanNotDelete lock on the gallery. A lock on the gallery also covers its image
// definitions and versions, so galleryflow's prune cannot delete versions while it is set
// (ARM answers ScopeLocked): use it on galleries whose retention has auto_prune off.
@description('Name of the existing Azure Compute Gallery in this resource group.')
param galleryName string

resource gallery 'Microsoft.Compute/galleries@2024-03-03' existing = {
  name: galleryName
}

resource lock 'Microsoft.Authorization/locks@2020-05-01' = {
  name: 'galleryflow-no-delete'
  scope: gallery
  properties: {
    level: 'CanNotDelete'
    notes: 'Protects the gallery and its images from accidental deletion (set by galleryflow infra).'
  }
}
