import { createApp } from 'vue'
import App from './App.vue'
import { onUnauthorized } from './api/token'
import { createSiteRouter } from './router'
import './styles/base.css'

const router = createSiteRouter()
// an API refused the token (expired, revoked, account disabled): log in again, then come back
onUnauthorized(() => {
  const here = router.currentRoute.value
  if (here.name !== 'login') void router.push({ name: 'login', query: { redirect: here.fullPath } })
})
createApp(App).use(router).mount('#app')
