import { describe, expect, it } from 'vitest'
import { appUrlMatcher, isDocumentationLink } from '../../main/electron/security'

describe('documentation links', () => {
  it('are https URLs under an allowed origin and path, nothing that only looks like one', () => {
    for (const url of [
      'https://www.tensorflow.org/js/',
      'https://www.tensorflow.org/js',
      'https://www.tensorflow.org/js/guide/platform_environment#wasm',
      'https://github.com/tensorflow/tfjs/tree/master/tfjs-backend-wasm',
    ]) {
      expect([url, isDocumentationLink(url)]).toEqual([url, true])
    }
    for (const url of [
      'http://www.tensorflow.org/js/',
      'https://www.tensorflow.org.evil.example/js/',
      'https://evil.example/https://www.tensorflow.org/js/',
      'https://www.tensorflow.org/jsx',
      'https://www.tensorflow.org/',
      'https://github.com/tensorflow/tfjs-evil/',
      'https://user:pw@www.tensorflow.org/js/',
      'https://www.tensorflow.org:8443/js/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect([url, isDocumentationLink(url)]).toEqual([url, false])
    }
  })
})

describe('the app page', () => {
  it('is the built index.html with any route, and in development the dev server origin only', () => {
    const built = appUrlMatcher('file:///opt/Studio/resources/app.asar/out/renderer/index.html')
    expect(built('file:///opt/Studio/resources/app.asar/out/renderer/index.html#/browse')).toBe(true)
    expect(built('file:///opt/Studio/resources/app.asar/out/renderer/index.html?x=1')).toBe(true)
    expect(built('file:///opt/Studio/resources/app.asar/out/renderer/index.html.evil')).toBe(false)
    expect(built('file:///opt/Studio/resources/app.asar/out/renderer/other.html')).toBe(false)
    expect(built('https://evil.example/')).toBe(false)
    expect(built('::')).toBe(false)
    const dev = appUrlMatcher('file:///x/index.html', 'http://localhost:5173/')
    expect(dev('http://localhost:5173/#/train')).toBe(true)
    expect(dev('http://localhost:5174/')).toBe(false)
    expect(dev('file:///x/index.html')).toBe(false)
  })
})
